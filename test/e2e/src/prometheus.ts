/**
 * The real Prometheus (Debian's /usr/bin/prometheus) scraping meshgate for the dashboard tests:
 * a generated config with the given targets and a 1 s scrape interval, its own TSDB directory,
 * queries through the HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { eventually } from './rest.js';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  job: string;
  /** host:port serving /metrics */
  address: string;
}

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  /** An instant query; rejects when Prometheus answers an error (a bad expression). */
  query(expr: string): Promise<QueryResult[]>;
  /** Resolves once every target was scraped successfully at least `scrapes` times. */
  waitForScrapes(scrapes: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export function prometheusInstalled(): boolean {
  return existsSync(PROMETHEUS_BINARY);
}

export function scrapeConfig(targets: readonly ScrapeTarget[]): string {
  const jobs = targets.map((t) => `  - job_name: ${JSON.stringify(t.job)}\n    static_configs:\n      - targets: [${JSON.stringify(t.address)}]\n`).join('');
  return `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}`;
}

export async function startPrometheus(targets: readonly ScrapeTarget[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshgate-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, scrapeConfig(targets));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(PROMETHEUS_BINARY, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  async function query(expr: string): Promise<QueryResult[]> {
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: QueryResult[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${body.data.resultType}`);
    return body.data.result;
  }

  await eventually(
    'Prometheus to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    30000,
  );
  return {
    url,
    query,
    output: () => output,
    async waitForScrapes(scrapes) {
      await eventually(
        `${scrapes} successful scrapes of every target`,
        async () => {
          const counts = await query('sum_over_time(up[5m])');
          const done = targets.every((t) => counts.some((c) => c.metric.job === t.job && Number(c.value[1]) >= scrapes));
          return done ? true : undefined;
        },
        60000,
      );
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

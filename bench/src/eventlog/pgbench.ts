/**
 * The limit: the same rows inserted by `pgbench` into a table of the same shape (same columns,
 * same indexes), and the log read back by `COPY … TO STDOUT` through `psql`. Both are
 * PostgreSQL's own clients, so the figures are what the server and the machine allow.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NewEvent } from '@meshgate/eventlog';

/** `pgbench` on PATH, else the newest under /usr/lib/postgresql/<version>/bin; undefined without one. */
export function findPgTool(name: 'pgbench' | 'psql'): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The events table of migration 1, with an identity for the sequence (no append lock: the raw limit). */
export const LIMIT_TABLE_SQL = `CREATE TABLE IF NOT EXISTS bench_limit_events (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedup_key text UNIQUE,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
)`;

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * One transaction's INSERT of `rows`. The stream version is offset by a per-transaction
 * counter (`:client_id`, `:txn`) so that repeating the script keeps (stream_id, version) unique.
 */
function insertScript(rows: NewEvent[]): string {
  const values = rows.map(
    (row, i) => `(${literal(row.streamId)}, :base + ${i}, ${literal(row.type)}, ${literal(JSON.stringify(row.data))}::jsonb, '{}'::jsonb)`,
  );
  // pgbench variables: a random base far apart per transaction keeps the unique index honest.
  return `\\set base random(1, 1000000000000) * 1000\nINSERT INTO bench_limit_events (stream_id, stream_version, type, data, metadata) VALUES ${values.join(',\n')};\n`;
}

export interface PgbenchResult {
  clients: number;
  batch: number;
  transactions: number;
  rowsPerSecond: number;
  seconds: number;
}

function run(command: string, args: string[], stdout: 'pipe' | 'ignore'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out + err) : reject(new Error(`${path.basename(command)} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** pgbench with `clients` connections, each running `transactions` inserts of `rows`. */
export async function runPgbench(pgbench: string, url: string, rows: NewEvent[], clients: number, transactions: number): Promise<PgbenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshgate-pgbench-'));
  try {
    const script = path.join(dir, 'insert.sql');
    await writeFile(script, insertScript(rows));
    const started = process.hrtime.bigint();
    const output = await run(pgbench, ['-n', '-c', String(clients), '-j', String(clients), '-t', String(transactions), '-f', script, url], 'pipe');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const tps = /tps = ([0-9.]+)/.exec(output);
    if (!tps) throw new Error(`pgbench printed no tps: ${output.slice(-500)}`);
    return { clients, batch: rows.length, transactions: clients * transactions, rowsPerSecond: Math.round(Number(tps[1]) * rows.length), seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds for `COPY (SELECT <columns> FROM events ORDER BY sequence) TO STDOUT`, output discarded. */
export async function copyOutSeconds(psql: string, url: string, columns: string): Promise<number> {
  const started = process.hrtime.bigint();
  await run(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c', `COPY (SELECT ${columns} FROM events ORDER BY sequence) TO STDOUT`], 'ignore');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

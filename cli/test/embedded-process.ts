/**
 * `meshgate up` as a real child process on a data directory, for the fault tests: started on
 * free ports, killed with any signal, and talked to over REST.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export interface EmbeddedProcess {
  child: ChildProcess;
  pid: number;
  /** The REST API, once the process said it is up. */
  url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Exited {
  code: number | null;
  stderr: string;
}

/** Spawns `meshgate up` on `dataDir`; resolves when it is up, or with how it ended if it never was. */
export async function startEmbedded(dataDir: string): Promise<EmbeddedProcess | Exited> {
  const child = spawn(process.execPath, [MAIN, 'up', '--data-dir', dataDir, '--api-port', '0', '--xds-port', '0', '--xds-secure-port', '0', '--grpc-port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', NATS_URL: '', MESHGATE_LOG_LEVEL: 'warn', MESHGATE_API_HOST: '127.0.0.1', MESHGATE_XDS_HOST: '127.0.0.1' },
  });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const up = new Promise<string>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /meshgate is up \([a-z]+\): REST API (http:\/\/\S+),/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
  });
  const first = await Promise.race([up, exited]);
  if (typeof first !== 'string') return { code: first.code, stderr };
  return {
    child,
    pid: child.pid ?? -1,
    url: first,
    stderr: () => stderr,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export function isRunning(started: EmbeddedProcess | Exited): started is EmbeddedProcess {
  return 'child' in started;
}

/** The API token the embedded run wrote for this data directory. */
export function apiTokenOf(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
}

/** Every request of the fault tests goes through here, so that credentials are added in one place. */
export function request(url: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } });
}

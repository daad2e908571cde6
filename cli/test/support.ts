/**
 * A real HTTP server with canned answers in the shapes of the meshgate REST API, and a way to
 * run the CLI in-process against it with captured output.
 */
import http from 'node:http';
import { buildProgram, runProgram } from '../src/program.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface CannedResponse {
  status?: number;
  /** Sent as JSON unless `text` is given. */
  json?: unknown;
  text?: string;
  contentType?: string;
}

/** A handler for answers that are not a single body (streams). */
export type RouteHandler = (request: RecordedRequest, response: http.ServerResponse) => void;

export type Route = CannedResponse | RouteHandler;

export class CannedServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    /** Every request received, in order. */
    readonly requests: RecordedRequest[],
  ) {}

  /** Routes are keyed `METHOD /path` (no query); anything else answers 404 like the api. */
  static async start(routes: Record<string, Route>): Promise<CannedServer> {
    const requests: RecordedRequest[] = [];
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const recorded: RecordedRequest = {
          method: request.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        requests.push(recorded);
        const route = routes[`${recorded.method} ${recorded.path}`];
        if (typeof route === 'function') {
          route(recorded, response);
          return;
        }
        const answer: CannedResponse = route ?? { status: 404, json: { code: 'MG_ERR_NO_ROUTE', message: `no endpoint for ${recorded.method} ${recorded.path}` } };
        const isText = answer.text !== undefined;
        response.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? (isText ? 'text/plain' : 'application/json') });
        response.end(isText ? answer.text : JSON.stringify(answer.json));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the canned server has no TCP address');
    return new CannedServer(server, `http://127.0.0.1:${address.port}`, requests);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}

/** Text written to one stream; `waitForLines(n)` resolves once n lines are complete. */
export class CapturedOutput {
  text = '';
  private readonly waiters: { lines: number; resolve: () => void }[] = [];

  readonly write = (chunk: string): void => {
    this.text += chunk;
    const lines = this.lines().length;
    for (const waiter of [...this.waiters]) {
      if (lines >= waiter.lines) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  lines(): string[] {
    return this.text.split('\n').slice(0, -1);
  }

  waitForLines(count: number): Promise<void> {
    if (this.lines().length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ lines: count, resolve }));
  }
}

export interface CliRun {
  code: Promise<number>;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
}

export interface RunOptions {
  server?: string;
  stdin?: string;
  cwd?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Starts `meshgate <argv>` in-process; `code` resolves with the exit code. */
export function startCli(argv: string[], options: RunOptions = {}): CliRun {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const program = buildProgram([], {
    stdout: stdout.write,
    stderr: stderr.write,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    readStdin: async () => options.stdin ?? '',
    signal: options.signal ?? new AbortController().signal,
  });
  const serverArgs = options.server === undefined ? [] : ['--server', options.server];
  return { code: runProgram(program, [...serverArgs, ...argv]), stdout, stderr };
}

/** Runs `meshgate <argv>` to completion. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(argv, options);
  const code = await run.code;
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

export const TEST_TIMEOUT_MS = 15_000;

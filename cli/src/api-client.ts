/**
 * The REST API of a running meshgate, over Node's global fetch. Every request carries the
 * resolved token (api-token.ts). Failures become CliErrors with a message for a person: the
 * server not running, a refused token (401/403: the scope needed and where the token came
 * from), or the server's own problem message.
 */
import { authorizationHeader, type ResolvedToken } from './api-token.js';
import { CliError, EXIT_UNREACHABLE } from './errors.js';
import { isRecord, stringAt } from './json.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ApiResponse {
  status: number;
  /** Parsed JSON when the server sent JSON, the text otherwise. */
  body: unknown;
  /** The server that answered (`--server`), for messages. */
  server?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The server URL from `--server`, checked before anything is sent. */
export function parseServerUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`error: --server ${JSON.stringify(server)} is not a URL; expected e.g. ${DEFAULT_SERVER}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`error: --server ${server} must be an http:// or https:// URL`);
  }
  return url;
}

function errorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (isRecord(cause) || cause instanceof Error) {
    const code = stringAt(cause, 'code');
    if (code) return code;
  }
  return undefined;
}

export function unreachable(server: string, error: unknown): CliError {
  const code = errorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new CliError(
    `error: the meshgate server is not reachable at ${server} (${reason}). ` +
      'Start it with `npm start` (or `meshgate up`), or point --server / MESHGATE_SERVER at a running one.',
    EXIT_UNREACHABLE,
  );
}

/**
 * `error: <message> (<code>; server <url>)` from a problem body, or the HTTP status when the body
 * is not one. The server is named so that an answer from the wrong meshgate is easy to spot.
 */
export function problemMessage(response: ApiResponse): string {
  const message = stringAt(response.body, 'message');
  const code = stringAt(response.body, 'code');
  const notes = [code, response.server === undefined ? undefined : `server ${response.server}`].filter((note) => note !== undefined);
  const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  if (message) return `error: ${message}${suffix}`;
  return `error: the server answered HTTP ${response.status}${suffix}`;
}

/**
 * For a 401 or 403: the server's message (which names the scope needed) and one line on where
 * the token came from. Other statuses get the server's message alone.
 */
export function refusedMessage(response: ApiResponse, token: ResolvedToken): string {
  const message = problemMessage(response);
  if (response.status !== 401 && response.status !== 403) return message;
  const tried = token.token === undefined ? `no token was found (${token.source})` : `the token from ${token.source} was refused`;
  return (
    `${message}\n` +
    `hint: ${tried}; pass a token with that scope with --token, MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE (\`meshgate up\` writes its API token, every scope, to <data dir>/api-token, MESHGATE_DATA_DIR, default ./.meshgate)`
  );
}

function isRefusal(status: number): boolean {
  return status === 401 || status === 403;
}

export class ApiClient {
  readonly server: string;
  private readonly base: URL;
  private token: Promise<ResolvedToken> | undefined;

  /** `resolveToken` runs once, at the first request; without it no token is sent. */
  constructor(
    server: string,
    private readonly signal?: AbortSignal,
    private readonly resolveToken: () => Promise<ResolvedToken> = async () => ({ source: 'none given' }),
  ) {
    this.base = parseServerUrl(server);
    this.server = server;
  }

  url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Any answer but 401/403, which become a CliError naming the scope and where the token came from. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const token = await this.resolvedToken();
    const response = await this.fetch(this.url(path, options.query), {
      method,
      body: options.body,
      headers: { accept: 'application/json', ...(options.contentType ? { 'content-type': options.contentType } : {}), ...authorizationHeader(token), ...options.headers },
    });
    const answer = await this.read(response);
    if (isRefusal(answer.status)) throw new CliError(refusedMessage(answer, token));
    return answer;
  }

  private resolvedToken(): Promise<ResolvedToken> {
    this.token ??= this.resolveToken();
    return this.token;
  }

  private async read(response: Response): Promise<ApiResponse> {
    const text = await response.text();
    const isJson = /[/+]json\b/.test(response.headers.get('content-type') ?? '');
    let body: unknown = text;
    if (isJson && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new CliError(`error: the server sent malformed JSON (HTTP ${response.status})`);
      }
    }
    return { status: response.status, body, server: this.server };
  }

  /** GET that must answer 200; anything else is reported as the server's problem. */
  async getJson(path: string, query?: RequestOptions['query']): Promise<unknown> {
    const response = await this.request('GET', path, { query });
    if (response.status !== 200) throw new CliError(problemMessage(response));
    return response.body;
  }

  /** The raw response, for streams the caller reads itself (a 401/403 is thrown as from `request`). */
  async open(path: string, query: RequestOptions['query'], headers: Record<string, string>): Promise<Response> {
    const token = await this.resolvedToken();
    const response = await this.fetch(this.url(path, query), { method: 'GET', headers: { ...authorizationHeader(token), ...headers } });
    if (isRefusal(response.status)) throw new CliError(refusedMessage(await this.read(response), token));
    return response;
  }

  private async fetch(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: this.signal });
    } catch (error) {
      if (this.signal?.aborted) throw error;
      throw unreachable(this.server, error);
    }
  }
}

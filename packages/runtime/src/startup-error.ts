/**
 * A start-up failure the operator can act on: its message is one complete line (what failed,
 * where, what to do), shown without a stack trace, and the process exits non-zero.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Why a connection failed, in a few words: the error code when there is one, else its message. */
export function connectFailure(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (typeof code === 'string' && code !== '' && !message.includes(code)) return message === '' ? code : `${code}: ${message}`;
  return message === '' ? 'unknown error' : message;
}

/**
 * An address for a message, with its password replaced. `host:port` stays as it is; anything
 * else that is not a URL is not shown, since it may hold a password (`host=… password=…`).
 */
export function redactUrl(value: string): string {
  if (/^[\w.-]+:\d+$/.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(not shown: not a URL)';
  }
}

/**
 * Runs a service's start; a StartupError ends the process with its one line on stderr and exit
 * code 1. Anything else is a bug and keeps its stack trace.
 */
export async function startOrExit<T>(name: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
}

/** What a listener is and how the operator moves it, for the message when its port is taken. */
export interface ListenerDescription {
  /** e.g. "REST API", "xDS" */
  what: string;
  host: string;
  port: number;
  /** The environment variable that sets the port, e.g. MESHGATE_API_PORT. */
  variable: string;
  /** The `meshgate up` flag that sets it, when there is one. */
  flag?: string;
}

function isAddressInUse(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ('code' in error && error.code === 'EADDRINUSE') return true;
  // grpc-js reports a taken port in the message of a plain Error.
  return /EADDRINUSE|address already in use|No address added/i.test(error.message);
}

/**
 * Runs `listen` and turns "address in use" into a StartupError that names the port and how to
 * move it; other errors pass through as they are.
 */
export async function listenOrExplain<T>(listener: ListenerDescription, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    const how = listener.flag ? `set ${listener.variable} or pass ${listener.flag}` : `set ${listener.variable}`;
    throw new StartupError(`the ${listener.what} port ${listener.host}:${listener.port} is already in use: ${how} to choose another (0 picks a free one)`, { cause: error });
  }
}

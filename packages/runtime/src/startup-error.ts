/**
 * Problems an operator fixes before meshgate can start (a port in use, a missing setting): the
 * CLI and each service's main print the message as one line, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
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

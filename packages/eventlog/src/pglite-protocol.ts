/** Messages between `PgliteThreadDatabase` (main thread) and `pglite-worker.ts`. */
export type Request =
  | { id: number; op: 'ready' }
  | { id: number; op: 'query'; sql: string; params: unknown[]; txId?: number }
  | { id: number; op: 'begin'; txId: number }
  | { id: number; op: 'end'; txId: number; commit: boolean }
  | { id: number; op: 'close' };

/** An error as data: structured cloning keeps an Error's message but not the driver's fields (code, detail, …). */
export interface SerialisedError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean | null>;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerialisedError };

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: SerialisedError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

/** The error again on the main thread, with the driver's fields (code, detail, …) as own properties. */
export function deserialiseError(serialised: SerialisedError): Error {
  const error = new Error(serialised.message);
  error.name = serialised.name;
  return Object.assign(error, serialised.fields);
}

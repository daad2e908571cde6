/**
 * Reading the event log by sequence, free of any transport: `GET /v1/events` and the gRPC
 * Events.Read both come here, with the same bounds (`after` a safe integer ≥ 0, `limit` 1..1000).
 */
import type { EventStore, StoredEvent } from '@meshgate/eventlog';
import { apiError } from './errors.js';

export const DEFAULT_EVENTS_LIMIT = 100;
export const MAX_EVENTS_LIMIT = 1000;

/** How the caller's transport names a parameter in messages: "query parameter", "field". */
export type ParameterNoun = string;

/**
 * `value` as a sequence or count: anything but a safe integer in range is MG_ERR_BAD_REQUEST
 * naming the parameter (REST's schema lets `1e400` through as Infinity; gRPC's uint64 may exceed 2^53).
 */
export function checkedInteger(value: number, name: string, noun: ParameterNoun, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value)) throw apiError('MG_ERR_BAD_REQUEST', `${noun} "${name}" must be a finite integer (got ${String(value)})`, { field: name });
  if (value < min || value > max) throw apiError('MG_ERR_BAD_REQUEST', `${noun} "${name}" must be between ${min} and ${max} (got ${value})`, { field: name });
  return value;
}

export async function readEvents(store: EventStore, request: { after: number; limit: number; noun: ParameterNoun }): Promise<{ events: StoredEvent[]; head: number }> {
  const after = checkedInteger(request.after, 'after', request.noun, 0);
  const limit = checkedInteger(request.limit, 'limit', request.noun, 1, MAX_EVENTS_LIMIT);
  const [events, head] = await Promise.all([store.readAfter(after, limit), store.headSequence()]);
  return { events, head };
}

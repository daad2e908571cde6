/** Options shared by both bus implementations, and their defaults. */
import { CHANGES_STREAM, CHANGES_SUBJECT_PREFIX, DOORBELL_SUBJECT } from './types.js';

/** A message that failed validation; it is dropped (JetStream: terminated), not retried. */
export interface InvalidMessage {
  subject: string;
  /** `field: problem` strings. */
  errors: string[];
  /** The start of the raw payload, to recognise the sender. */
  preview: string;
}

export interface BusOptions {
  /** Stream for ResourceChanged messages (tests use unique names). Default `MESHGATE_CHANGES`. */
  stream?: string;
  /** Subjects are `<subjectPrefix>.<kind>.<namespace>`. Default `meshgate.changes`. */
  subjectPrefix?: string;
  /** Core subject of the doorbell. Default `meshgate.events`. */
  doorbellSubject?: string;
  /** Within this window a second publish of the same change id is dropped. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** How long a change whose handler threw waits before it is delivered again. Default 1 s. */
  redeliveryDelayMs?: number;
  /** Called for every refused message (bad JSON or shape); the consumer carries on. */
  onInvalid?: (invalid: InvalidMessage) => void;
  /**
   * Called for failures that do not reach a caller: a change handler that threw (the change is
   * redelivered), a doorbell handler that threw, a lost acknowledgement, a consumer that ended.
   */
  onError?: (error: Error) => void;
}

export interface ResolvedBusOptions {
  stream: string;
  subjectPrefix: string;
  doorbellSubject: string;
  duplicateWindowMs: number;
  redeliveryDelayMs: number;
  onInvalid: (invalid: InvalidMessage) => void;
  onError: (error: Error) => void;
}

export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
export const DEFAULT_REDELIVERY_DELAY_MS = 1_000;

// Without a callback a refused message is still terminated; the callbacks exist so that the
// services can log and count, and the bus itself never writes to stdout or stderr.
function ignore(): void {}

export function resolveBusOptions(options: BusOptions): ResolvedBusOptions {
  return {
    stream: options.stream ?? CHANGES_STREAM,
    subjectPrefix: options.subjectPrefix ?? CHANGES_SUBJECT_PREFIX,
    doorbellSubject: options.doorbellSubject ?? DOORBELL_SUBJECT,
    duplicateWindowMs: options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    redeliveryDelayMs: options.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS,
    onInvalid: options.onInvalid ?? ignore,
    onError: options.onError ?? ignore,
  };
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Wire format of the bus: JSON bodies, validated on the way in (never cast) so that a malformed
 * message is reported and dropped instead of reaching a handler.
 */
import type { Doorbell, ResourceChanged } from './types.js';

/** A decoded payload, or the reasons it was refused as `field: problem` strings. */
export type Decoded<T> = { valid: true; value: T } | { valid: false; errors: string[] };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(record: Record<string, unknown>, field: string, allowEmpty: boolean, errors: string[]): string {
  const value = record[field];
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    errors.push(`${field}: must be a ${allowEmpty ? '' : 'non-empty '}string`);
    return '';
  }
  return value;
}

/** Checks that `input` has the shape of a ResourceChanged; unknown fields are dropped. */
export function validateResourceChanged(input: unknown): Decoded<ResourceChanged> {
  if (!isRecord(input)) return { valid: false, errors: ['(root): must be an object'] };
  const errors: string[] = [];
  const id = requireString(input, 'id', false, errors);
  const source = requireString(input, 'source', false, errors);
  const kind = requireString(input, 'kind', false, errors);
  // Cluster-scoped kinds (Namespace, IngressClass) carry an empty namespace.
  const namespace = requireString(input, 'namespace', true, errors);
  const name = requireString(input, 'name', false, errors);
  const op = input.op === 'apply' || input.op === 'delete' ? input.op : undefined;
  if (op === undefined) errors.push('op: must be "apply" or "delete"');
  if (op === undefined || errors.length > 0) return { valid: false, errors };
  const change: ResourceChanged = { id, source, op, kind, namespace, name };
  if (input.object !== undefined) change.object = input.object;
  return { valid: true, value: change };
}

/** Checks that `input` has the shape of a Doorbell. */
export function validateDoorbell(input: unknown): Decoded<Doorbell> {
  if (!isRecord(input)) return { valid: false, errors: ['(root): must be an object'] };
  const head = input.head;
  if (typeof head !== 'number' || !Number.isSafeInteger(head) || head < 0) {
    return { valid: false, errors: ['head: must be a non-negative integer'] };
  }
  return { valid: true, value: { head } };
}

function decodeJson<T>(bytes: Uint8Array, validate: (input: unknown) => Decoded<T>): Decoded<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return { valid: false, errors: [`(root): not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`] };
  }
  return validate(parsed);
}

export function encodeJson(value: ResourceChanged | Doorbell): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeResourceChanged(bytes: Uint8Array): Decoded<ResourceChanged> {
  return decodeJson(bytes, validateResourceChanged);
}

export function decodeDoorbell(bytes: Uint8Array): Decoded<Doorbell> {
  return decodeJson(bytes, validateDoorbell);
}

/** Throws a readable error when an outgoing value would not pass the receiver's validation. */
export function assertValid<T>(what: string, decoded: Decoded<T>): T {
  if (!decoded.valid) throw new Error(`invalid ${what}: ${decoded.errors.join('; ')}`);
  return decoded.value;
}

/** Start of a refused payload, for reports: enough to recognise it, never a whole object. */
export function payloadPreview(bytes: Uint8Array, maxChars = 256): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, maxChars * 4));
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

// A subject token may not contain '.', '*', '>' or whitespace; kinds and Kubernetes namespaces
// never do, but a hostile or buggy source must not be able to forge another subject.
function subjectToken(value: string): string {
  const token = value.replace(/[.*>\s]/g, '_');
  return token.length > 0 ? token : '_';
}

/** `<prefix>.<kind>.<namespace or "_">`: subjects only route; the payload is the truth. */
export function changeSubject(prefix: string, change: Pick<ResourceChanged, 'kind' | 'namespace'>): string {
  return `${prefix}.${subjectToken(change.kind)}.${subjectToken(change.namespace)}`;
}

/** Durable consumer names end up in JetStream subjects: one token, no wildcards. */
export function assertDurableName(durable: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(durable)) {
    throw new Error(`invalid durable consumer name ${JSON.stringify(durable)}: use letters, digits, "_" and "-"`);
  }
}

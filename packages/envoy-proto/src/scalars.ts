/**
 * Proto scalar fields in the resource object format: what each accepts, and the form the
 * protobufjs encoder wants it in.
 */
import { describeValue } from './values.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2})$/;
const DECIMAL_INTEGER = /^-?\d+$/;

export const SIXTY_FOUR_BIT_TYPES: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
export const UNSIGNED_64_BIT_TYPES: ReadonlySet<string> = new Set(['uint64', 'fixed64']);

/**
 * What is wrong with `value` for a field of scalar type `protoType`, or undefined when it fits.
 * 32-bit integers must be numbers (a string "80" for a port is a bug); 64-bit integers may also
 * be decimal strings, as in proto3 JSON, because a number cannot carry all of them exactly.
 */
export function scalarProblem(protoType: string, value: unknown): string | undefined {
  switch (protoType) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describeValue(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${describeValue(value)}`;
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `expected a finite number, got ${describeValue(value)}`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= FLOAT_MAX
        ? undefined
        : `expected a number in float range, got ${describeValue(value)}`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return int32Problem(protoType, value, INT32_MIN, INT32_MAX);
    case 'uint32':
    case 'fixed32':
      return int32Problem(protoType, value, 0, UINT32_MAX);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return int64Problem(protoType, value, INT64_MIN, INT64_MAX);
    case 'uint64':
    case 'fixed64':
      return int64Problem(protoType, value, 0n, UINT64_MAX);
    case 'bytes':
      if (value instanceof Uint8Array) return undefined;
      return typeof value === 'string' && BASE64.test(value) ? undefined : `expected base64 bytes or a Buffer, got ${describeValue(value)}`;
    default:
      return `unsupported field type ${protoType}`;
  }
}

/** The value as the protobufjs encoder takes it; call only after scalarProblem found none. */
export function toWireScalar(protoType: string, value: unknown): unknown {
  if (protoType === 'bytes' && typeof value === 'string') return Buffer.from(value, 'base64');
  return value;
}

function int32Problem(protoType: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `expected an integer in ${protoType} range [${min}, ${max}], got ${describeValue(value)}`;
}

function int64Problem(protoType: string, value: unknown, min: bigint, max: bigint): string | undefined {
  let asBigInt: bigint | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) asBigInt = BigInt(value);
  else if (typeof value === 'string' && DECIMAL_INTEGER.test(value)) asBigInt = BigInt(value);
  if (asBigInt !== undefined && asBigInt >= min && asBigInt <= max) return undefined;
  return `expected an integer (a safe number or a decimal string) in ${protoType} range, got ${describeValue(value)}`;
}

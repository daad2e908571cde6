/**
 * Protobuf bytes back into the resource object format: snake_case keys, nested Any unpacked to
 * `{'@type', …}`, enums by name, 64-bit integers as numbers (decimal strings beyond 2^53),
 * bytes as base64, fields left at their default omitted.
 */
import protobuf from 'protobufjs';
import { messageName, rootLabel } from './paths.js';
import { messageTypeForUrl } from './root.js';
import { SIXTY_FOUR_BIT_TYPES, UNSIGNED_64_BIT_TYPES } from './scalars.js';
import { isPlainObject, ownValue, setOwn } from './values.js';
import { ANY_TYPE, anyParts, isWrappedInsideAny, jsonKindOf, messageToJson } from './well-known.js';

export function decodeResource(typeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = messageTypeForUrl(typeUrl);
  if (!type) throw new Error(`unknown type URL ${JSON.stringify(typeUrl)}`);
  const decoded = messageToObject(type, type.decode(bytes), rootLabel(type));
  if (!isPlainObject(decoded)) throw new Error(`${messageName(type)} does not decode to an object`);
  return decoded;
}

function messageToObject(type: protobuf.Type, message: object, path: string): unknown {
  if (type.fullName === ANY_TYPE) return anyToObject(message, path);
  const jsonKind = jsonKindOf(type);
  if (jsonKind) return messageToJson(jsonKind, message);
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = ownValue(message, field.name);
    if (value === undefined || value === null) continue;
    // protobufjs gives every message its own empty arrays and maps: those are defaults too.
    if (Array.isArray(value) && value.length === 0) continue;
    if (field instanceof protobuf.MapField && typeof value === 'object' && Object.keys(value).length === 0) continue;
    out[field.name] = fieldToObject(field, value, `${path}.${field.name}`);
  }
  return out;
}

function fieldToObject(field: protobuf.Field, value: unknown, path: string): unknown {
  if (field instanceof protobuf.MapField) {
    const map = {};
    for (const [key, item] of Object.entries(expectObject(value, path))) {
      setOwn(map, mapKeyToString(field.keyType, key), singleToObject(field, item, `${path}[${JSON.stringify(key)}]`));
    }
    return map;
  }
  if (Array.isArray(value)) return value.map((item: unknown, i) => singleToObject(field, item, `${path}[${i}]`));
  return singleToObject(field, value, path);
}

function singleToObject(field: protobuf.FieldBase, value: unknown, path: string): unknown {
  const target = field.resolvedType;
  if (target instanceof protobuf.Type) return messageToObject(target, expectObject(value, path), path);
  if (target instanceof protobuf.Enum) {
    // An enum number this descriptor does not know (a newer peer) stays a number.
    return typeof value === 'number' && Object.hasOwn(target.valuesById, value) ? target.valuesById[value] : value;
  }
  if (SIXTY_FOUR_BIT_TYPES.has(field.type)) return longToJs(value, UNSIGNED_64_BIT_TYPES.has(field.type), path);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}

function anyToObject(message: object, path: string): Record<string, unknown> {
  const { typeUrl, value } = anyParts(message);
  if (typeof typeUrl !== 'string') throw new Error(`${path}: google.protobuf.Any without a type URL`);
  const inner = messageTypeForUrl(typeUrl);
  if (!inner) throw new Error(`${path}: cannot decode google.protobuf.Any of unknown type ${JSON.stringify(typeUrl)}`);
  const innerObject = messageToObject(inner, inner.decode(value instanceof Uint8Array ? value : new Uint8Array()), path);
  if (isWrappedInsideAny(inner)) return { '@type': typeUrl, value: innerObject };
  return { '@type': typeUrl, ...expectObject(innerObject, path) };
}

/** protobufjs decodes 64-bit integers to Long objects when the long library is present, else numbers. */
function longToJs(value: unknown, unsigned: boolean, path: string): number | string {
  let asBigInt: bigint;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') asBigInt = BigInt(value);
  else if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value && typeof value.low === 'number' && typeof value.high === 'number') {
    asBigInt = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  } else throw new Error(`${path}: unexpected 64-bit integer representation`);
  asBigInt = unsigned ? BigInt.asUintN(64, asBigInt) : BigInt.asIntN(64, asBigInt);
  const asNumber = Number(asBigInt);
  return Number.isSafeInteger(asNumber) ? asNumber : asBigInt.toString();
}

/** protobufjs keys 64-bit map entries by an 8-character hash of the Long; turn it back into decimal. */
function mapKeyToString(keyType: string, key: string): string {
  if (!SIXTY_FOUR_BIT_TYPES.has(keyType) || !protobuf.util.Long) return key;
  const bits = protobuf.util.LongBits.fromHash(key);
  const asBigInt = (BigInt(bits.hi >>> 0) << 32n) | BigInt(bits.lo >>> 0);
  return (UNSIGNED_64_BIT_TYPES.has(keyType) ? BigInt.asUintN(64, asBigInt) : BigInt.asIntN(64, asBigInt)).toString();
}

function expectObject(value: unknown, path: string): object {
  if (typeof value !== 'object' || value === null) throw new Error(`${path}: expected a decoded message`);
  return value;
}

/**
 * The strict walk: translates a resource from the resource object format (see
 * `XdsResource` in @meshgate/compiler) into protobufjs' message form — what `Type.encode`
 * takes — and reports every way the object departs from the descriptor.
 *
 * protobufjs' own `fromObject` silently drops unknown keys, so a misspelt field would vanish
 * from the config without a word; this walk accounts for every key instead. Checking and
 * encoding share it, so what passes the check is exactly what gets encoded.
 */
import protobuf from 'protobufjs';
import { messageName, unknownFieldHint } from './paths.js';
import { messageTypeForUrl } from './root.js';
import { SIXTY_FOUR_BIT_TYPES, scalarProblem, toWireScalar } from './scalars.js';
import { describeValue, isPlainObject, setOwn } from './values.js';
import { ANY_TYPE, anyMessage, isWrappedInsideAny, jsonKindOf, jsonToMessage } from './well-known.js';

export type MessageForm = Record<string, unknown>;

/**
 * `value` as a message of `type` in message form. Problems are appended to `problems`, each
 * starting with the path of the offending value; the result is only meaningful when none were.
 */
export function translateMessage(type: protobuf.Type, value: unknown, path: string, problems: string[]): MessageForm {
  if (type.fullName === ANY_TYPE) return translateAny(value, path, problems);
  const jsonKind = jsonKindOf(type);
  if (jsonKind) return jsonToMessage(jsonKind, value, path, problems);
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected an object (${messageName(type)}), got ${describeValue(value)}`);
    return {};
  }
  const message: MessageForm = {};
  const oneofMembersSet = new Map<protobuf.OneOf, string[]>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (!field) {
      problems.push(`unknown field ${path}.${key}${unknownFieldHint(type, key)}`);
      continue;
    }
    if (isAbsent(field, fieldValue)) continue;
    if (field.partOf) oneofMembersSet.set(field.partOf, [...(oneofMembersSet.get(field.partOf) ?? []), key]);
    message[key] = translateField(field, fieldValue, `${path}.${key}`, problems);
  }
  for (const [oneof, members] of oneofMembersSet) {
    if (members.length > 1) {
      problems.push(`${path}: ${members.join(' and ')} are members of oneof ${oneof.name}; set at most one`);
    }
  }
  return message;
}

/**
 * Undefined (and null, as in proto3 JSON) means "not set" — except for a singular Value field,
 * where null is the JSON null it carries.
 */
function isAbsent(field: protobuf.Field, value: unknown): boolean {
  if (value === undefined) return true;
  if (value !== null) return false;
  const carriesJsonNull =
    !field.repeated && !(field instanceof protobuf.MapField) && field.resolvedType instanceof protobuf.Type && jsonKindOf(field.resolvedType) === 'value';
  return !carriesJsonNull;
}

function translateField(field: protobuf.Field, value: unknown, path: string, problems: string[]): unknown {
  if (field instanceof protobuf.MapField) return translateMap(field, value, path, problems);
  if (field.repeated) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected an array (repeated ${fieldTypeName(field)}), got ${describeValue(value)}`);
      return [];
    }
    return value.map((item: unknown, i) => translateSingle(field, item, `${path}[${i}]`, problems));
  }
  return translateSingle(field, value, path, problems);
}

/** Map entries are encoded in key order, so equal maps give equal bytes whatever their insertion order. */
function translateMap(field: protobuf.MapField, value: unknown, path: string, problems: string[]): unknown {
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected an object (map<${field.keyType}, ${fieldTypeName(field)}>), got ${describeValue(value)}`);
    return {};
  }
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const map = {};
  for (const [key, item] of entries) {
    const entryPath = `${path}[${JSON.stringify(key)}]`;
    const keyProblem = mapKeyProblem(field.keyType, key);
    if (keyProblem) {
      problems.push(`${entryPath}: ${keyProblem}`);
      continue;
    }
    setOwn(map, key, translateSingle(field, item, entryPath, problems));
  }
  return map;
}

/** Object keys are strings; integer-keyed maps take decimal keys. Bool keys are not supported: protobufjs would encode the key "false" as true. */
function mapKeyProblem(keyType: string, key: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return 'maps with bool keys are not supported';
  if (!/^-?\d+$/.test(key)) return `expected a decimal ${keyType} map key`;
  const problem = scalarProblem(keyType, SIXTY_FOUR_BIT_TYPES.has(keyType) ? key : Number(key));
  return problem ? `map key: ${problem}` : undefined;
}

function translateSingle(field: protobuf.FieldBase, value: unknown, path: string, problems: string[]): unknown {
  const target = field.resolvedType;
  if (target instanceof protobuf.Type) return translateMessage(target, value, path, problems);
  if (target instanceof protobuf.Enum) return translateEnum(target, value, path, problems);
  const problem = scalarProblem(field.type, value);
  if (problem) {
    problems.push(`${path}: ${problem}`);
    return undefined;
  }
  return toWireScalar(field.type, value);
}

/** Enum values by name (as written in the .proto) or by a defined number. */
function translateEnum(enumType: protobuf.Enum, value: unknown, path: string, problems: string[]): number | undefined {
  if (typeof value === 'string' && Object.hasOwn(enumType.values, value)) return enumType.values[value];
  if (typeof value === 'number' && Number.isInteger(value) && Object.hasOwn(enumType.valuesById, value)) return value;
  const names = Object.keys(enumType.values);
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
  problems.push(`${path}: expected a value of enum ${messageName(enumType)} (${shown}), got ${describeValue(value)}`);
  return undefined;
}

/**
 * `{'@type': 'type.googleapis.com/<full.name>', …fields}` → `{type_url, value: bytes}`: the
 * inner message is walked with the same strictness and encoded first.
 */
function translateAny(value: unknown, path: string, problems: string[]): MessageForm {
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected an object with '@type' (google.protobuf.Any), got ${describeValue(value)}`);
    return {};
  }
  const { '@type': typeUrl, ...fields } = value;
  if (typeof typeUrl !== 'string') {
    problems.push(`${path}: expected '@type' to be a type URL string (google.protobuf.Any), got ${describeValue(typeUrl)}`);
    return {};
  }
  const inner = messageTypeForUrl(typeUrl);
  if (!inner) {
    problems.push(`${path}.@type: unknown type URL ${JSON.stringify(typeUrl)} (expected type.googleapis.com/<a loaded message>)`);
    return {};
  }
  const problemsBefore = problems.length;
  const innerMessage = isWrappedInsideAny(inner)
    ? translateWrapped(inner, fields, path, problems)
    : translateMessage(inner, fields, path, problems);
  if (problems.length > problemsBefore) return {};
  return anyMessage(typeUrl, inner.encode(innerMessage).finish());
}

/** An Any holding a Struct-family message or another Any carries it under `value`. */
function translateWrapped(inner: protobuf.Type, fields: Record<string, unknown>, path: string, problems: string[]): MessageForm {
  for (const key of Object.keys(fields)) {
    if (key !== 'value') problems.push(`unknown field ${path}.${key} (an Any holding ${messageName(inner)} carries it under value)`);
  }
  return translateMessage(inner, fields.value, `${path}.value`, problems);
}

function fieldTypeName(field: protobuf.FieldBase): string {
  return field.resolvedType ? messageName(field.resolvedType) : field.type;
}

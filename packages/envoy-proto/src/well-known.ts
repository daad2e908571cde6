/**
 * The well-known types whose resource-object form is not their message form:
 * `google.protobuf.Any` (`{'@type', …fields}`) and the Struct family (plain JSON).
 *
 * protobufjs bundles these types with its own field names (camelCase `stringValue` in Value,
 * for instance), so fields are addressed by number here, never by name.
 */
import protobuf from 'protobufjs';
import { envoyRoot } from './root.js';
import { describeValue, isPlainObject, ownValue, setOwn } from './values.js';

export const ANY_TYPE = '.google.protobuf.Any';

export type JsonKind = 'struct' | 'value' | 'list';

const JSON_KINDS: ReadonlyMap<string, JsonKind> = new Map([
  ['.google.protobuf.Struct', 'struct'],
  ['.google.protobuf.Value', 'value'],
  ['.google.protobuf.ListValue', 'list'],
]);

/** Which plain-JSON form a message type takes, if it is one of the Struct family. */
export function jsonKindOf(type: protobuf.Type): JsonKind | undefined {
  return JSON_KINDS.get(type.fullName);
}

/**
 * Inside an Any, types whose JSON form is not an object of fields carry it under `value`
 * (proto3 JSON: `{'@type': '…/google.protobuf.Struct', value: {…}}`).
 */
export function isWrappedInsideAny(type: protobuf.Type): boolean {
  return type.fullName === ANY_TYPE || JSON_KINDS.has(type.fullName);
}

interface FieldNames {
  anyTypeUrl: string;
  anyValue: string;
  structFields: string;
  listValues: string;
  valueNull: string;
  valueNumber: string;
  valueString: string;
  valueBool: string;
  valueStruct: string;
  valueList: string;
}

let cachedNames: FieldNames | undefined;

function names(): FieldNames {
  if (cachedNames) return cachedNames;
  const root = envoyRoot();
  const nameOf = (typeName: string, id: number): string => {
    const field = root.lookupType(typeName).fieldsById[id];
    if (!field) throw new Error(`${typeName} has no field number ${id}`);
    return field.name;
  };
  cachedNames = {
    anyTypeUrl: nameOf('google.protobuf.Any', 1),
    anyValue: nameOf('google.protobuf.Any', 2),
    structFields: nameOf('google.protobuf.Struct', 1),
    listValues: nameOf('google.protobuf.ListValue', 1),
    valueNull: nameOf('google.protobuf.Value', 1),
    valueNumber: nameOf('google.protobuf.Value', 2),
    valueString: nameOf('google.protobuf.Value', 3),
    valueBool: nameOf('google.protobuf.Value', 4),
    valueStruct: nameOf('google.protobuf.Value', 5),
    valueList: nameOf('google.protobuf.Value', 6),
  };
  return cachedNames;
}

/** An Any in message form, ready for the encoder. */
export function anyMessage(typeUrl: string, value: Uint8Array): Record<string, unknown> {
  const { anyTypeUrl, anyValue } = names();
  return { [anyTypeUrl]: typeUrl, [anyValue]: value };
}

/** The type URL and payload of a decoded Any message. */
export function anyParts(message: object): { typeUrl: unknown; value: unknown } {
  const { anyTypeUrl, anyValue } = names();
  return { typeUrl: ownValue(message, anyTypeUrl), value: ownValue(message, anyValue) };
}

// --- plain JSON → message form -------------------------------------------------------------

/** Plain JSON as the message form of `kind`, reporting what is not JSON into `problems`. */
export function jsonToMessage(kind: JsonKind, json: unknown, path: string, problems: string[]): Record<string, unknown> {
  switch (kind) {
    case 'struct':
      return jsonToStruct(json, path, problems);
    case 'list':
      return jsonToList(json, path, problems);
    case 'value':
      return jsonToValue(json, path, problems);
  }
}

function jsonToStruct(json: unknown, path: string, problems: string[]): Record<string, unknown> {
  if (!isPlainObject(json)) {
    problems.push(`${path}: expected a JSON object (google.protobuf.Struct), got ${describeValue(json)}`);
    return {};
  }
  const fields = {};
  for (const [key, value] of Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    setOwn(fields, key, jsonToValue(value, `${path}.${key}`, problems));
  }
  return { [names().structFields]: fields };
}

function jsonToList(json: unknown, path: string, problems: string[]): Record<string, unknown> {
  if (!Array.isArray(json)) {
    problems.push(`${path}: expected a JSON array (google.protobuf.ListValue), got ${describeValue(json)}`);
    return {};
  }
  return { [names().listValues]: json.map((item, i) => jsonToValue(item, `${path}[${i}]`, problems)) };
}

function jsonToValue(json: unknown, path: string, problems: string[]): Record<string, unknown> {
  const n = names();
  if (json === null) return { [n.valueNull]: 0 };
  if (typeof json === 'string') return { [n.valueString]: json };
  if (typeof json === 'boolean') return { [n.valueBool]: json };
  if (typeof json === 'number') {
    if (!Number.isFinite(json)) problems.push(`${path}: expected a finite number, got ${describeValue(json)}`);
    return { [n.valueNumber]: json };
  }
  if (Array.isArray(json)) return { [n.valueList]: jsonToList(json, path, problems) };
  if (isPlainObject(json)) return { [n.valueStruct]: jsonToStruct(json, path, problems) };
  problems.push(`${path}: expected a JSON value, got ${describeValue(json)}`);
  return {};
}

// --- decoded message → plain JSON ----------------------------------------------------------

/** A decoded Struct-family message as plain JSON. */
export function messageToJson(kind: JsonKind, message: object): unknown {
  switch (kind) {
    case 'struct':
      return structToJson(message);
    case 'list':
      return listToJson(message);
    case 'value':
      return valueToJson(message);
  }
}

function structToJson(message: object): Record<string, unknown> {
  const out = {};
  const fields = ownValue(message, names().structFields);
  if (typeof fields === 'object' && fields !== null) {
    for (const [key, value] of Object.entries(fields)) {
      setOwn(out, key, typeof value === 'object' && value !== null ? valueToJson(value) : null);
    }
  }
  return out;
}

function listToJson(message: object): unknown[] {
  const values = ownValue(message, names().listValues);
  if (!Array.isArray(values)) return [];
  return values.map((value: unknown) => (typeof value === 'object' && value !== null ? valueToJson(value) : null));
}

function valueToJson(message: object): unknown {
  const n = names();
  for (const name of [n.valueString, n.valueNumber, n.valueBool]) {
    const scalar = ownValue(message, name);
    if (scalar !== undefined && scalar !== null) return scalar;
  }
  const struct = ownValue(message, n.valueStruct);
  if (typeof struct === 'object' && struct !== null) return structToJson(struct);
  const list = ownValue(message, n.valueList);
  if (typeof list === 'object' && list !== null) return listToJson(list);
  // null_value, or a Value with no kind set: both read as JSON null.
  return null;
}

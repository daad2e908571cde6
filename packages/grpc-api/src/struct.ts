/**
 * JSON values to and from google.protobuf.Struct / Value, in the shape @grpc/proto-loader
 * encodes and decodes (`{fields: {...}}`, `{stringValue: ...}`, with `kind` naming the oneof).
 * Objects and events are free-form JSON, so the API carries them as Struct: a reflection client
 * such as grpcurl prints them as JSON.
 */
export interface ValueMessage {
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  listValue?: { values: ValueMessage[] };
  kind?: string;
}

export interface StructMessage {
  fields: Record<string, ValueMessage>;
}

export function toValue(value: unknown): ValueMessage {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value as Record<string, unknown>) };
  throw new TypeError(`a ${typeof value} has no JSON form`);
}

/** Keys whose value is undefined are left out, as JSON.stringify leaves them out. */
export function toStruct(object: Record<string, unknown>): StructMessage {
  const fields: Record<string, ValueMessage> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) fields[key] = toValue(value);
  return { fields };
}

export function fromValue(message: ValueMessage | null | undefined): unknown {
  if (!message) return null;
  switch (message.kind) {
    case 'stringValue':
      return message.stringValue;
    case 'numberValue':
      return message.numberValue;
    case 'boolValue':
      return message.boolValue;
    case 'structValue':
      return fromStruct(message.structValue);
    case 'listValue':
      return (message.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

export function fromStruct(message: StructMessage | null | undefined): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message?.fields ?? {})) object[key] = fromValue(value);
  return object;
}

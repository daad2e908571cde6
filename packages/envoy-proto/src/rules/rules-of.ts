/**
 * The protoc-gen-validate annotations of the loaded descriptors, read once per field.
 *
 * protobufjs parses `[(validate.rules).string = {min_len: 1}]` into `parsedOptions` as
 * `{'(validate.rules)': {string: {min_len: 1}}}` (several entries when a field repeats the
 * option); they are merged here into one `FieldRules` object, the shape of PGV's own message.
 */
import type protobuf from 'protobufjs';
import { isPlainObject } from '../values.js';

/** PGV's `validate.FieldRules` as protobufjs parses it: one key per rule family. */
export type FieldRules = Record<string, unknown>;

const FIELD_RULES = '(validate.rules)';
const ONEOF_REQUIRED = '(validate.required)';
const MESSAGE_DISABLED = '(validate.disabled)';
const MESSAGE_IGNORED = '(validate.ignored)';

const fieldCache = new WeakMap<protobuf.Field, FieldRules | null>();
const oneofCache = new WeakMap<protobuf.OneOf, boolean>();

/** The field's merged `(validate.rules)`, or undefined when it has none. */
export function rulesOf(field: protobuf.Field): FieldRules | undefined {
  let rules = fieldCache.get(field);
  if (rules === undefined) {
    rules = mergedOption(field.parsedOptions, FIELD_RULES) ?? null;
    fieldCache.set(field, rules);
  }
  return rules ?? undefined;
}

/** `option (validate.required) = true` on a oneof: exactly one member must be set. */
export function oneofRequired(oneof: protobuf.OneOf): boolean {
  let required = oneofCache.get(oneof);
  if (required === undefined) {
    required = optionIsTrue(oneof.parsedOptions, oneof.options, ONEOF_REQUIRED);
    oneofCache.set(oneof, required);
  }
  return required;
}

/** `option (validate.disabled)` or `(validate.ignored)` on a message: no rule of it is checked. */
export function messageRulesDisabled(type: protobuf.Type): boolean {
  return optionIsTrue(type.parsedOptions, type.options, MESSAGE_DISABLED) || optionIsTrue(type.parsedOptions, type.options, MESSAGE_IGNORED);
}

function optionIsTrue(parsed: unknown, options: Record<string, unknown> | undefined, name: string): boolean {
  if (options?.[name] === true) return true;
  return Array.isArray(parsed) && parsed.some((entry) => isPlainObject(entry) && entry[name] === true);
}

function mergedOption(parsed: unknown, name: string): FieldRules | undefined {
  if (!Array.isArray(parsed)) return undefined;
  let merged: FieldRules | undefined;
  for (const entry of parsed) {
    if (!isPlainObject(entry) || !isPlainObject(entry[name])) continue;
    merged = deepMerge(merged ?? {}, entry[name]);
  }
  return merged;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

const NUMBER_RULES = ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'ignore_empty'];
/** Every rule the checker evaluates, by family; `unsupportedRules` names any other. */
export const SUPPORTED_RULES: Readonly<Record<string, readonly string[]>> = {
  string: ['const', 'len', 'min_len', 'max_len', 'len_bytes', 'min_bytes', 'max_bytes', 'pattern', 'prefix', 'suffix', 'contains', 'not_contains', 'in', 'not_in',
    'email', 'hostname', 'ip', 'ipv4', 'ipv6', 'uri', 'uri_ref', 'address', 'uuid', 'well_known_regex', 'strict', 'ignore_empty'],
  bytes: ['const', 'len', 'min_len', 'max_len', 'pattern', 'prefix', 'suffix', 'contains', 'in', 'not_in', 'ip', 'ipv4', 'ipv6', 'ignore_empty'],
  bool: ['const'],
  enum: ['const', 'defined_only', 'in', 'not_in'],
  message: ['skip', 'required'],
  repeated: ['min_items', 'max_items', 'unique', 'items', 'ignore_empty'],
  map: ['min_pairs', 'max_pairs', 'no_sparse', 'keys', 'values', 'ignore_empty'],
  any: ['required', 'in', 'not_in'],
  duration: ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'],
  timestamp: ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'lt_now', 'gt_now', 'within'],
  ...Object.fromEntries(['float', 'double', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64'].map((family) => [family, NUMBER_RULES])),
};

/** The rules in `rules` the checker does not evaluate, as `family.rule` (nested `items`, `keys`, `values` included). */
export function unsupportedRules(rules: FieldRules, prefix = ''): string[] {
  const out: string[] = [];
  for (const [family, body] of Object.entries(rules)) {
    const known = SUPPORTED_RULES[family];
    if (!known || !isPlainObject(body)) {
      out.push(`${prefix}${family}`);
      continue;
    }
    for (const [name, value] of Object.entries(body)) {
      if (!known.includes(name)) out.push(`${prefix}${family}.${name}`);
      else if ((name === 'items' || name === 'keys' || name === 'values') && isPlainObject(value)) out.push(...unsupportedRules(value, `${prefix}${family}.${name}.`));
    }
  }
  return out;
}

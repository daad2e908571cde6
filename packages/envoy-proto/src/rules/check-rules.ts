/**
 * The protoc-gen-validate walk: what Envoy checks on every resource it is sent before it
 * applies it (`MessageUtil::validate`), and again on every typed config it unpacks. Given a
 * resource in the resource object format (what the compiler emits and `decodeResource` gives
 * back), it reports every `(validate.rules)` and `(validate.required)` constraint the object
 * breaks, each with its path.
 *
 * Proto3 semantics as PGV's generated code has them: a scalar's rules apply to its value even
 * when it is absent (an absent `name` is "" and breaks `min_len: 1`); a message's rules apply
 * only when it is set, except `required`; a oneof member (and a proto3 `optional` field) is
 * checked only when set. Nested messages are checked unless `message.skip`; an Any is checked
 * as the message it holds, as Envoy does when it unpacks it.
 *
 * The shape (unknown fields, wrong types) is the strict walk's job (`checkResource`): this walk
 * assumes a clean shape and skips values of the wrong type rather than report them twice.
 */
import protobuf from 'protobufjs';
import { messageTypeForUrl } from '../root.js';
import { isPlainObject } from '../values.js';
import { ANY_TYPE, jsonKindOf } from '../well-known.js';
import { comparisonViolations, FLOAT_ORDER, INTEGER_ORDER, SECONDS_NANOS_ORDER } from './ranges.js';
import { messageRulesDisabled, oneofRequired, rulesOf, type FieldRules } from './rules-of.js';
import { boolViolations, bytesViolations, stringViolations } from './string-rules.js';

const DURATION = '.google.protobuf.Duration';
const TIMESTAMP = '.google.protobuf.Timestamp';
const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};
const FLOAT_TYPES = new Set(['double', 'float']);
const INTEGER_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);

/** Every PGV constraint `value` (a message of `type` in the resource object format) breaks, as `path: what`. */
export function messageRuleViolations(type: protobuf.Type, value: unknown, path: string): string[] {
  const out: string[] = [];
  checkMessage(type, value, path, out);
  return out;
}

/** The few message types checked in their own way (protobufjs computes `fullName` on every read: look it up once). */
type Special = 'any' | 'json' | 'duration' | 'timestamp' | { wrapper: string } | undefined;

/** What the walk needs of a message type, worked out once: most fields have no rules and are skipped unless set. */
interface TypePlan {
  special: Special;
  disabled: boolean;
  /** Fields whose rules apply even when absent (not oneof members), in declaration order. */
  checkedWhenAbsent: { field: protobuf.Field; rules: FieldRules }[];
  requiredOneofs: protobuf.OneOf[];
}

const plans = new WeakMap<protobuf.Type, TypePlan>();

function planOf(type: protobuf.Type): TypePlan {
  let plan = plans.get(type);
  if (!plan) {
    const checkedWhenAbsent: TypePlan['checkedWhenAbsent'] = [];
    for (const field of type.fieldsArray) {
      const rules = rulesOf(field);
      if (rules && !field.partOf) checkedWhenAbsent.push({ field, rules });
    }
    const name = type.fullName;
    const special: Special =
      name === ANY_TYPE ? 'any' : jsonKindOf(type) ? 'json' : name === DURATION ? 'duration' : name === TIMESTAMP ? 'timestamp' : WRAPPERS[name] ? { wrapper: WRAPPERS[name] } : undefined;
    plan = { special, disabled: messageRulesDisabled(type), checkedWhenAbsent, requiredOneofs: type.oneofsArray.filter(oneofRequired) };
    plans.set(type, plan);
  }
  return plan;
}

function checkMessage(type: protobuf.Type, value: unknown, path: string, out: string[]): void {
  const plan = planOf(type);
  if (plan.special === 'any') return checkAnyPayload(value, path, out);
  if (plan.special === 'json' || plan.disabled || !isPlainObject(value)) return;
  // The set fields (in the object's order), then the rules of the absent ones.
  for (const key of Object.keys(value)) {
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    const item = value[key];
    if (field && isSet(item)) checkField(field, item, rulesOf(field), `${path}.${key}`, out);
  }
  for (const { field, rules } of plan.checkedWhenAbsent) {
    if (!isSet(value[field.name])) checkField(field, undefined, rules, `${path}.${field.name}`, out);
  }
  for (const oneof of plan.requiredOneofs) {
    if (!oneof.oneof.some((member) => isSet(value[member]))) {
      out.push(`${path}: one of ${oneof.oneof.join(', ')} is required ((validate.required) on oneof ${oneof.name})`);
    }
  }
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function checkField(field: protobuf.Field, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  // A scalar or enum with no rules has nothing to check, however many values it holds.
  if (rules === undefined && !(field.resolvedType instanceof protobuf.Type)) return;
  if (field instanceof protobuf.MapField) return checkMap(field, value, rules, path, out);
  if (field.repeated) return checkRepeated(field, value, rules, path, out);
  checkSingle(field, value, rules, path, out);
}

function checkRepeated(field: protobuf.Field, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  const items = value === undefined ? [] : value;
  if (!Array.isArray(items)) return;
  const repeated = isPlainObject(rules?.repeated) ? rules.repeated : undefined;
  if (repeated && !(repeated.ignore_empty === true && items.length === 0)) {
    out.push(...countViolations(items.length, repeated, 'min_items', 'max_items', 'items', 'repeated').map((m) => `${path}: ${m}`));
    if (repeated.unique === true) {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const key = JSON.stringify(comparableItem(field, item));
        if (seen.has(key)) out.push(`${path}[${i}]: repeats an earlier item; items must be unique ((validate.rules).repeated.unique)`);
        seen.add(key);
      });
    }
  }
  const itemRules = isPlainObject(repeated?.items) ? repeated.items : undefined;
  items.forEach((item, i) => checkSingle(field, item, itemRules, `${path}[${i}]`, out));
}

/** Enum items compare by number whether written by name or number. */
function comparableItem(field: protobuf.Field, item: unknown): unknown {
  const target = field.resolvedType;
  return target instanceof protobuf.Enum && typeof item === 'string' ? target.values[item] : item;
}

function checkMap(field: protobuf.MapField, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  const map = value === undefined ? {} : value;
  if (!isPlainObject(map)) return;
  const entries = Object.entries(map);
  const mapRules = isPlainObject(rules?.map) ? rules.map : undefined;
  if (mapRules && !(mapRules.ignore_empty === true && entries.length === 0)) {
    out.push(...countViolations(entries.length, mapRules, 'min_pairs', 'max_pairs', 'pairs', 'map').map((m) => `${path}: ${m}`));
  }
  const keyRules = isPlainObject(mapRules?.keys) ? mapRules.keys : undefined;
  const valueRules = isPlainObject(mapRules?.values) ? mapRules.values : undefined;
  for (const [key, item] of entries) {
    const entryPath = `${path}[${JSON.stringify(key)}]`;
    if (keyRules) {
      const keyValue = field.keyType === 'string' ? key : field.keyType === 'bool' ? key === 'true' : FLOAT_TYPES.has(field.keyType) ? Number(key) : key;
      out.push(...scalarViolations(field.keyType, keyValue, keyRules).map((m) => `${entryPath} (key): ${m}`));
    }
    if (mapRules?.no_sparse === true && !isSet(item)) out.push(`${entryPath}: a map value must be set ((validate.rules).map.no_sparse)`);
    checkSingle(field, item, valueRules, entryPath, out);
  }
}

function countViolations(count: number, rules: Record<string, unknown>, min: string, max: string, unit: string, family: string): string[] {
  const out: string[] = [];
  const n = BigInt(count);
  const atLeast = rules[min] === undefined ? undefined : INTEGER_ORDER.read(rules[min]);
  const atMost = rules[max] === undefined ? undefined : INTEGER_ORDER.read(rules[max]);
  if (atLeast !== undefined && n < atLeast) out.push(`must have at least ${atLeast} ${unit} (has ${count}) ((validate.rules).${family}.${min})`);
  if (atMost !== undefined && n > atMost) out.push(`must have at most ${atMost} ${unit} (has ${count}) ((validate.rules).${family}.${max})`);
  return out;
}

/** One value of a field (the field itself, or one item or map value), `undefined` when absent. */
function checkSingle(field: protobuf.FieldBase, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  const target = field.resolvedType;
  if (target instanceof protobuf.Type) return checkMessageField(target, value, rules, path, out);
  if (target instanceof protobuf.Enum) return checkEnum(target, value, rules, path, out);
  if (!rules) return;
  out.push(...scalarViolations(field.type, value ?? defaultOf(field.type), rules).map((m) => `${path}: ${m}`));
}

function defaultOf(protoType: string): unknown {
  if (protoType === 'string') return '';
  if (protoType === 'bool') return false;
  if (protoType === 'bytes') return Buffer.alloc(0);
  return 0;
}

/** The rules of the scalar's own family (`string`, `uint32`, …) against its value; a value of the wrong type is left to the strict walk. */
function scalarViolations(protoType: string, value: unknown, rules: FieldRules): string[] {
  const own = isPlainObject(rules[protoType]) ? rules[protoType] : undefined;
  if (!own) return [];
  if (protoType === 'string') return typeof value === 'string' ? stringViolations(value, own) : [];
  if (protoType === 'bool') return typeof value === 'boolean' ? boolViolations(value, own) : [];
  if (protoType === 'bytes') {
    const bytes = value instanceof Uint8Array ? Buffer.from(value) : typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
    return bytes ? bytesViolations(bytes, own) : [];
  }
  if (FLOAT_TYPES.has(protoType)) {
    const number = FLOAT_ORDER.read(value);
    if (number === undefined || (own.ignore_empty === true && number === 0)) return [];
    return comparisonViolations(number, own, FLOAT_ORDER, protoType);
  }
  if (INTEGER_TYPES.has(protoType)) {
    const integer = INTEGER_ORDER.read(value);
    if (integer === undefined || (own.ignore_empty === true && integer === 0n)) return [];
    return comparisonViolations(integer, own, INTEGER_ORDER, protoType);
  }
  return [];
}

function checkEnum(enumType: protobuf.Enum, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  const own = isPlainObject(rules?.enum) ? rules.enum : undefined;
  if (!own) return;
  const number = value === undefined ? 0 : typeof value === 'string' ? enumType.values[value] : typeof value === 'number' ? value : undefined;
  if (number === undefined) return;
  if (own.defined_only === true && !Object.hasOwn(enumType.valuesById, number)) {
    out.push(`${path}: ${number} is not a defined value of ${enumType.name} ((validate.rules).enum.defined_only)`);
  }
  const named = { read: INTEGER_ORDER.read, compare: INTEGER_ORDER.compare, show: (n: bigint) => enumType.valuesById[Number(n)] ?? n.toString() };
  out.push(...comparisonViolations(BigInt(number), own, named, 'enum').map((m) => `${path}: ${m}`));
}

function checkMessageField(type: protobuf.Type, value: unknown, rules: FieldRules | undefined, path: string, out: string[]): void {
  const present = isSet(value);
  const messageRules = isPlainObject(rules?.message) ? rules.message : undefined;
  if (messageRules?.required === true && !present) out.push(`${path}: is required ((validate.rules).message.required)`);

  const { special } = planOf(type);
  if (special === 'duration' || special === 'timestamp') {
    const family = special;
    const own = isPlainObject(rules?.[family]) ? rules[family] : undefined;
    if (own?.required === true && !present) out.push(`${path}: is required ((validate.rules).${family}.required)`);
    if (own && present) out.push(...timeViolations(value, own, family).map((m) => `${path}: ${m}`));
    if (family === 'duration' && present) out.push(...envoyDurationViolations(value).map((m) => `${path}: ${m}`));
    return;
  }
  if (typeof special === 'object') {
    const wrapped = special.wrapper;
    if (rules && present && isPlainObject(value)) {
      out.push(...scalarViolations(wrapped, value.value ?? defaultOf(wrapped), rules).map((m) => `${path}.value: ${m}`));
    }
    return;
  }
  const anyRules = isPlainObject(rules?.any) ? rules.any : undefined;
  // Envoy's protos also put `any.required` on a plain message field; PGV reads it as required there too.
  if (anyRules?.required === true && !present) out.push(`${path}: is required ((validate.rules).any.required)`);
  if (special === 'any' && anyRules && present && isPlainObject(value)) out.push(...anyViolations(value['@type'], anyRules).map((m) => `${path}: ${m}`));
  if (present && messageRules?.skip !== true) checkMessage(type, value, path, out);
}

/** The largest Duration protobuf allows (10,000 years), as Envoy's `validateDurationFields` checks it. */
const MAX_DURATION_SECONDS = 315_576_000_000n;

/**
 * Envoy refuses every Duration that is negative or out of protobuf's range, whatever the
 * field's PGV rules (`MessageUtil::validateDurationFields`: "Invalid duration: Expected
 * positive duration", "Duration out-of-range").
 */
function envoyDurationViolations(value: unknown): string[] {
  if (!isPlainObject(value)) return [];
  const seconds = INTEGER_ORDER.read(value.seconds ?? 0);
  const nanos = INTEGER_ORDER.read(value.nanos ?? 0);
  if (seconds === undefined || nanos === undefined) return [];
  if (seconds < 0n || nanos < 0n) return ['must not be negative (Envoy: "Invalid duration: Expected positive duration")'];
  if (nanos > 999_999_999n || seconds > MAX_DURATION_SECONDS) return ['is out of range (Envoy: "Duration out-of-range")'];
  return [];
}

function timeViolations(value: unknown, rules: Record<string, unknown>, family: string): string[] {
  const nanos = SECONDS_NANOS_ORDER.read(value);
  if (nanos === undefined) return [];
  const out = comparisonViolations(nanos, rules, SECONDS_NANOS_ORDER, family);
  if (family === 'timestamp') {
    const now = BigInt(Date.now()) * 1_000_000n;
    if (rules.lt_now === true && nanos >= now) out.push('must be before now ((validate.rules).timestamp.lt_now)');
    if (rules.gt_now === true && nanos <= now) out.push('must be after now ((validate.rules).timestamp.gt_now)');
    const within = rules.within === undefined ? undefined : SECONDS_NANOS_ORDER.read(rules.within);
    if (within !== undefined && (nanos > now ? nanos - now : now - nanos) > within) {
      out.push(`must be within ${SECONDS_NANOS_ORDER.show(within)} of now ((validate.rules).timestamp.within)`);
    }
  }
  return out;
}

function anyViolations(typeUrl: unknown, rules: Record<string, unknown>): string[] {
  if (typeof typeUrl !== 'string') return [];
  const out: string[] = [];
  const list = (raw: unknown): string[] | undefined => (raw === undefined ? undefined : (Array.isArray(raw) ? raw : [raw]).map(String));
  const allowed = list(rules.in);
  if (allowed && !allowed.includes(typeUrl)) out.push(`type ${typeUrl} must be one of ${allowed.join(', ')} ((validate.rules).any.in)`);
  if (list(rules.not_in)?.includes(typeUrl)) out.push(`type ${typeUrl} is not allowed here ((validate.rules).any.not_in)`);
  return out;
}

/** The message an Any holds, checked as Envoy checks a typed config it unpacks. */
function checkAnyPayload(value: unknown, path: string, out: string[]): void {
  if (!isPlainObject(value) || typeof value['@type'] !== 'string') return;
  const inner = messageTypeForUrl(value['@type']);
  if (!inner) return;
  const { special } = planOf(inner);
  if (special === 'any' || special === 'json') return checkMessage(inner, value.value, `${path}.value`, out);
  const { '@type': _typeUrl, ...fields } = value;
  checkMessage(inner, fields, path, out);
}

/**
 * PGV's comparison rules (`const`, `lt`, `lte`, `gt`, `gte`, `in`, `not_in`), shared by every
 * number type, Duration and Timestamp. A lower and an upper bound together mean "inside the
 * range" when upper > lower, and "outside it" otherwise, as PGV's generated code reads them.
 */
import { isPlainObject } from '../values.js';

export interface Ordered<T> {
  /** The rule's value in comparable form; undefined when the rule holds something unreadable. */
  read(raw: unknown): T | undefined;
  compare(a: T, b: T): number;
  show(value: T): string;
}

/** Every comparison rule of `rules` that `value` breaks, each naming its rule under `family`. */
export function comparisonViolations<T>(value: T, rules: Record<string, unknown>, order: Ordered<T>, family: string): string[] {
  const out: string[] = [];
  const bound = (name: string): T | undefined => (rules[name] === undefined ? undefined : order.read(rules[name]));
  const rule = (name: string): string => `((validate.rules).${family}.${name})`;
  const cmp = (a: T, b: T): number => order.compare(a, b);
  const show = order.show;

  const constant = bound('const');
  if (constant !== undefined && cmp(value, constant) !== 0) out.push(`must equal ${show(constant)} ${rule('const')}`);

  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const lowerName = gt !== undefined ? 'gt' : 'gte';
  const upperName = lt !== undefined ? 'lt' : 'lte';
  const aboveLower = (v: T): boolean => (lower === undefined ? true : gt !== undefined ? cmp(v, lower) > 0 : cmp(v, lower) >= 0);
  const belowUpper = (v: T): boolean => (upper === undefined ? true : lt !== undefined ? cmp(v, upper) < 0 : cmp(v, upper) <= 0);
  if (lower !== undefined && upper !== undefined) {
    const open = (gt !== undefined ? '(' : '[') + show(lower);
    const close = show(upper) + (lt !== undefined ? ')' : ']');
    if (cmp(upper, lower) > 0) {
      if (!aboveLower(value) || !belowUpper(value)) out.push(`must be inside range ${open}, ${close} ${rule(`${lowerName}/${upperName}`)}`);
    } else if (aboveLower(value) === false && belowUpper(value) === false) {
      // An exclusive range: the value must not fall between upper and lower.
      out.push(`must be outside range ${show(upper)} … ${show(lower)} ${rule(`${lowerName}/${upperName}`)}`);
    }
  } else if (lower !== undefined && !aboveLower(value)) {
    out.push(`must be ${gt !== undefined ? 'greater than' : 'greater than or equal to'} ${show(lower)} ${rule(lowerName)}`);
  } else if (upper !== undefined && !belowUpper(value)) {
    out.push(`must be ${lt !== undefined ? 'less than' : 'less than or equal to'} ${show(upper)} ${rule(upperName)}`);
  }

  const list = (name: string): T[] | undefined => {
    const raw = rules[name];
    if (raw === undefined) return undefined;
    const items = Array.isArray(raw) ? raw : [raw];
    return items.map((item) => order.read(item)).filter((item): item is T => item !== undefined);
  };
  const allowed = list('in');
  if (allowed && !allowed.some((item) => cmp(value, item) === 0)) out.push(`must be one of ${allowed.map(show).join(', ')} ${rule('in')}`);
  const refused = list('not_in');
  if (refused?.some((item) => cmp(value, item) === 0)) out.push(`must not be one of ${refused.map(show).join(', ')} ${rule('not_in')}`);
  return out;
}

const compareBigInt = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Integers of any width, as safe numbers or decimal strings (the resource object format's 64-bit form). */
export const INTEGER_ORDER: Ordered<bigint> = {
  read(raw) {
    if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
    if (typeof raw === 'string' && /^-?\d+$/.test(raw)) return BigInt(raw);
    if (typeof raw === 'bigint') return raw;
    return undefined;
  },
  compare: compareBigInt,
  show: (value) => value.toString(),
};

export const FLOAT_ORDER: Ordered<number> = {
  read: (raw) => (typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined),
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  show: (value) => String(value),
};

/** Duration and Timestamp as `{seconds, nanos}`, compared in nanoseconds. */
export const SECONDS_NANOS_ORDER: Ordered<bigint> = {
  read(raw) {
    if (!isPlainObject(raw)) return undefined;
    const seconds = INTEGER_ORDER.read(raw.seconds ?? 0);
    const nanos = INTEGER_ORDER.read(raw.nanos ?? 0);
    return seconds === undefined || nanos === undefined ? undefined : seconds * 1_000_000_000n + nanos;
  },
  compare: compareBigInt,
  show: showNanos,
};

function showNanos(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const seconds = abs / 1_000_000_000n;
  const rest = abs % 1_000_000_000n;
  const fraction = rest === 0n ? '' : `.${rest.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${seconds}${fraction}s`;
}

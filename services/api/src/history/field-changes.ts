/**
 * What changed between two JSON values, field by field, as paths a person reads
 * (`spec.http[0].route[0].destination.host`). The diff itself is microdiff's; this module only
 * names the paths, bounds the list and keeps large values out of it.
 */
import diff from 'microdiff';

export interface FieldChange {
  op: 'added' | 'removed' | 'changed';
  /** `spec.hosts[1]`, `metadata.labels["app.kubernetes.io/name"]`; '' for the whole value. */
  path: string;
  /** The old value (changed, removed), when its JSON is short; see `MAX_VALUE_CHARS`. */
  from?: unknown;
  /** The new value (added, changed), when its JSON is short. */
  to?: unknown;
}

export interface FieldChanges {
  changes: FieldChange[];
  /** How many more changes there were past `max`. */
  omitted: number;
}

/** Values whose JSON is longer than this are left out (the path says where to look). */
export const MAX_VALUE_CHARS = 200;
export const DEFAULT_MAX_CHANGES = 50;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else if (PLAIN_KEY.test(step)) text += text === '' ? step : `.${step}`;
    else text += `[${JSON.stringify(step)}]`;
  }
  return text;
}

function short(value: unknown): { value?: unknown } {
  const json = JSON.stringify(value);
  return json !== undefined && json.length <= MAX_VALUE_CHARS ? { value } : {};
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** The changes from `before` to `after`, at most `max` of them (in microdiff's order). */
export function fieldChanges(before: unknown, after: unknown, max = DEFAULT_MAX_CHANGES): FieldChanges {
  let all: FieldChange[];
  if (!isContainer(before) || !isContainer(after) || Array.isArray(before) !== Array.isArray(after)) {
    all = JSON.stringify(before) === JSON.stringify(after) ? [] : [{ op: 'changed', path: '', ...rename(short(before), 'from'), ...rename(short(after), 'to') }];
  } else {
    all = diff(before, after).map((entry): FieldChange => {
      const path = formatPath(entry.path);
      if (entry.type === 'CREATE') return { op: 'added', path, ...rename(short(entry.value), 'to') };
      if (entry.type === 'REMOVE') return { op: 'removed', path, ...rename(short(entry.oldValue), 'from') };
      return { op: 'changed', path, ...rename(short(entry.oldValue), 'from'), ...rename(short(entry.value), 'to') };
    });
  }
  return { changes: all.slice(0, max), omitted: Math.max(0, all.length - max) };
}

function rename(found: { value?: unknown }, key: 'from' | 'to'): { from?: unknown } | { to?: unknown } {
  return 'value' in found ? { [key]: found.value } : {};
}

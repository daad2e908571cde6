/**
 * Label selectors as kubectl reads them (`-l`): requirements joined by commas, each one of
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`.
 * Keys and values are checked as Kubernetes checks label keys and values. `!=` and `notin`
 * also match objects without the label, as in Kubernetes.
 */
import { CliError } from './errors.js';

export type Requirement =
  | { key: string; op: 'exists' | 'not-exists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

type Token = { type: 'word'; text: string } | { type: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' };

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function fail(selector: string, message: string): CliError {
  return new CliError(`error: unable to parse label selector "${selector}": ${message}`);
}

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const c = selector[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === '!') {
      const two = selector.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ type: 'op', text: two });
        i += 2;
      } else {
        tokens.push({ type: 'op', text: c });
        i++;
      }
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'op', text: c });
      i++;
    } else {
      let end = i;
      while (end < selector.length && !/[\s=!(),]/.test(selector[end])) end++;
      tokens.push({ type: 'word', text: selector.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

function checkKey(selector: string, key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !NAME.test(name)) {
    throw fail(selector, `"${key}" is not a label key (an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)`);
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (value !== '' && (value.length > 63 || !NAME.test(value))) {
    throw fail(selector, `"${value}" is not a label value (up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)`);
  }
  return value;
}

export function parseSelector(selector: string): Requirement[] {
  const tokens = tokenize(selector);
  const requirements: Requirement[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const word = (what: string): string => {
    const token = tokens[i++];
    if (token?.type !== 'word') throw fail(selector, `expected ${what}${token ? `, found "${token.text}"` : ' at the end'}`);
    return token.text;
  };
  const expect = (text: Token['text']): void => {
    const token = tokens[i++];
    if (token?.type !== 'op' || token.text !== text) throw fail(selector, `expected "${text}"${token ? `, found "${token.text}"` : ' at the end'}`);
  };
  if (tokens.length === 0) throw fail(selector, 'it is empty');
  for (;;) {
    const first = peek();
    if (first?.type === 'op' && first.text === '!') {
      i++;
      requirements.push({ key: checkKey(selector, word('a label key after "!"')), op: 'not-exists' });
    } else {
      const key = checkKey(selector, word('a label key'));
      const next = peek();
      if (next === undefined || (next.type === 'op' && next.text === ',')) {
        requirements.push({ key, op: 'exists' });
      } else if (next.type === 'op' && (next.text === '=' || next.text === '==' || next.text === '!=')) {
        i++;
        const after = peek();
        // `key=` selects the empty value.
        const value = after === undefined || after.type === 'op' ? '' : word('a label value');
        requirements.push({ key, op: next.text === '!=' ? 'notin' : 'in', values: [checkValue(selector, value)] });
      } else if (next.type === 'word' && (next.text === 'in' || next.text === 'notin')) {
        i++;
        expect('(');
        const values: string[] = [];
        for (;;) {
          const token = peek();
          if (token?.type === 'op' && token.text === ')' && values.length > 0) break;
          values.push(checkValue(selector, word('a value in the set')));
          const separator = peek();
          if (separator?.type === 'op' && separator.text === ',') i++;
          else break;
        }
        expect(')');
        requirements.push({ key, op: next.text, values });
      } else {
        throw fail(selector, `expected "=", "==", "!=", "in" or "notin" after "${key}", found "${next.text}"`);
      }
    }
    const separator = tokens[i++];
    if (separator === undefined) return requirements;
    if (separator.type !== 'op' || separator.text !== ',') throw fail(selector, `expected "," between requirements, found "${separator.text}"`);
  }
}

export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((requirement) => {
    const has = Object.hasOwn(labels, requirement.key);
    const value = has ? labels[requirement.key] : undefined;
    switch (requirement.op) {
      case 'exists':
        return has;
      case 'not-exists':
        return !has;
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
    }
  });
}

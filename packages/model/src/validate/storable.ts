/**
 * Strings the event log cannot hold: PostgreSQL's text and jsonb refuse U+0000, and a lone
 * UTF-16 surrogate is not Unicode at all (JSON writes it as `\udXXX`, which jsonb refuses).
 * Every string and every key of a document is checked, whether or not a reader uses it, so that
 * such a document is refused with the field's path rather than failing at the store.
 */
import type { ErrorSink } from './reader.js';
import { fieldPath, indexPath, isPlainObject } from './reader.js';

/** NUL, or a surrogate code point (in `u` mode a well-formed pair is one code point, not a surrogate). */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** More than this many such strings in one document are summed up in one last error. */
const MAX_REPORTED = 20;

function problemOf(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (match === null) return undefined;
  const code = match[0].codePointAt(0) ?? 0;
  if (code === 0) return 'contains U+0000 (NUL), which cannot be stored';
  return `contains a lone surrogate U+${code.toString(16).toUpperCase()}, which is not valid Unicode`;
}

/** Reports each string (value or key) of `document` that cannot be stored, at its path. */
export function reportUnstorableStrings(sink: ErrorSink, document: unknown): void {
  let found = 0;
  const report = (path: string, message: string) => {
    found += 1;
    if (found <= MAX_REPORTED) sink.add(path, message);
  };
  const pending: { value: unknown; path: string }[] = [{ value: document, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem !== undefined) report(path, problem);
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push({ value: value[index], path: indexPath(path, index) });
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index];
        const keyPath = fieldPath(path, key);
        const problem = problemOf(key);
        if (problem !== undefined) report(keyPath, `key ${problem}`);
        pending.push({ value: value[key], path: keyPath });
      }
    }
  }
  if (found > MAX_REPORTED) sink.add('', `${found - MAX_REPORTED} more strings cannot be stored (NUL or lone surrogates)`);
}

/**
 * Istio's StringMatch (`{exact}`, `{prefix}` or `{regex}`) and maps of them (headers,
 * queryParams). Regular expressions are checked with JavaScript's engine, after refusing the
 * constructs RE2 (what Envoy runs) does not have, so a pattern that passes here compiles there
 * in all but exotic cases.
 */
import type { StringMatch } from '../types.js';
import { sortedRecord, type ObjectReader } from './reader.js';

const MATCH_TYPES = ['exact', 'prefix', 'regex'] as const;

/** Lookaround and backreferences: valid in JavaScript, rejected by RE2. */
const NOT_IN_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

export function checkRegex(pattern: string): string | undefined {
  // Istio refuses it too; Envoy's RegexMatcher needs at least one character.
  if (pattern === '') return 'must not be empty (a regex that matches anything is ".*")';
  if (NOT_IN_RE2.test(pattern)) return 'invalid regular expression: lookaround and backreferences are not supported (RE2 syntax)';
  // RE2 spells named groups `(?P<name>…)`; JavaScript spells them `(?<name>…)`.
  const asJavaScript = pattern.replace(/\(\?P</g, '(?<');
  try {
    new RegExp(asJavaScript);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(error);
    return `invalid regular expression (${reason})`;
  }
}

function readMatch(match: ObjectReader): StringMatch | undefined {
  const given = MATCH_TYPES.filter((type) => match.has(type));
  if (given.length !== 1) {
    match.errorHere(`must set exactly one of exact, prefix or regex${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`);
    return undefined;
  }
  const [type] = given;
  if (type === 'regex') {
    const regex = match.optionalString('regex', checkRegex);
    return regex === undefined ? undefined : { regex };
  }
  const value = match.optionalString(type);
  if (value === undefined) return undefined;
  return type === 'exact' ? { exact: value } : { prefix: value };
}

/** An optional StringMatch field such as `uri` or `method`. */
export function readStringMatch(reader: ObjectReader, key: string): StringMatch | undefined {
  const match = reader.object(key);
  return match ? readMatch(match) : undefined;
}

/**
 * A map of name → StringMatch. Header names are case-insensitive in HTTP, so for headers the
 * names are lower-cased (and two spellings of one name are reported); query parameters keep case.
 */
/** Istio's header-name check (RFC 7230 token characters); Envoy refuses NUL, CR and LF in one. */
const HEADER_NAME = /^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$/;

export function checkHeaderName(name: string): string | undefined {
  return HEADER_NAME.test(name) ? undefined : 'is not a valid HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)';
}

/** Envoy's QueryParameterMatcher takes names of at most 1024 bytes. */
export function checkQueryParameterName(name: string): string | undefined {
  return Buffer.byteLength(name, 'utf8') > 1024 ? 'is longer than 1024 bytes' : undefined;
}

export function readStringMatchMap(reader: ObjectReader, key: string, options: { caseInsensitiveKeys: boolean; checkName?: (name: string) => string | undefined }): Record<string, StringMatch> {
  const map = reader.object(key);
  if (!map) return {};
  const entries = new Map<string, StringMatch>();
  for (const name of Object.keys(map.value)) {
    if (name === '') {
      map.error(name, 'name must not be empty');
      continue;
    }
    const nameProblem = options.checkName?.(name);
    if (nameProblem !== undefined) {
      map.error(name, `name ${nameProblem}`);
      continue;
    }
    const normalised = options.caseInsensitiveKeys ? name.toLowerCase() : name;
    if (entries.has(normalised)) map.error(name, `duplicate of ${JSON.stringify(normalised)} (names are case-insensitive)`);
    const match = map.has(name) ? readStringMatch(map, name) : undefined;
    if (!map.has(name)) map.error(name, 'must set exactly one of exact, prefix or regex');
    if (match) entries.set(normalised, match);
  }
  return sortedRecord([...entries]);
}

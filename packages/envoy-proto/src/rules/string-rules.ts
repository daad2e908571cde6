/**
 * PGV's `string`, `bytes` and `bool` rules. Lengths in `len`/`min_len`/`max_len` count
 * characters (code points), `*_bytes` count UTF-8 bytes, as PGV does.
 */
import { isIP } from 'node:net';
import { INTEGER_ORDER } from './ranges.js';

/** PGV's C++ header regexes (what Envoy runs), strict and not. */
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// Control characters are the point of these two patterns.
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const KNOWN_REGEX_NAMES: Record<string, string> = { '1': 'HTTP_HEADER_NAME', '2': 'HTTP_HEADER_VALUE' };

const patterns = new Map<string, RegExp | null>();

export function stringViolations(value: string, rules: Record<string, unknown>): string[] {
  const out: string[] = [];
  const rule = (name: string): string => `((validate.rules).string.${name})`;
  if (rules.ignore_empty === true && value === '') return out;
  if (typeof rules.const === 'string' && value !== rules.const) out.push(`must equal ${JSON.stringify(rules.const)} ${rule('const')}`);
  out.push(...lengthViolations([...value].length, rules, 'len', 'min_len', 'max_len', 'characters', 'string'));
  out.push(...lengthViolations(Buffer.byteLength(value, 'utf8'), rules, 'len_bytes', 'min_bytes', 'max_bytes', 'bytes', 'string'));
  if (typeof rules.pattern === 'string') {
    const regex = compiledPattern(rules.pattern);
    if (regex === null) out.push(`pattern ${JSON.stringify(rules.pattern)} cannot be evaluated here ${rule('pattern')}`);
    else if (!regex.test(value)) out.push(`must match the pattern ${JSON.stringify(rules.pattern)} ${rule('pattern')}`);
  }
  if (typeof rules.prefix === 'string' && !value.startsWith(rules.prefix)) out.push(`must start with ${JSON.stringify(rules.prefix)} ${rule('prefix')}`);
  if (typeof rules.suffix === 'string' && !value.endsWith(rules.suffix)) out.push(`must end with ${JSON.stringify(rules.suffix)} ${rule('suffix')}`);
  if (typeof rules.contains === 'string' && !value.includes(rules.contains)) out.push(`must contain ${JSON.stringify(rules.contains)} ${rule('contains')}`);
  if (typeof rules.not_contains === 'string' && value.includes(rules.not_contains)) out.push(`must not contain ${JSON.stringify(rules.not_contains)} ${rule('not_contains')}`);
  const allowed = listOf(rules.in);
  if (allowed && !allowed.includes(value)) out.push(`must be one of ${allowed.map((s) => JSON.stringify(s)).join(', ')} ${rule('in')}`);
  const refused = listOf(rules.not_in);
  if (refused?.includes(value)) out.push(`must not be one of ${refused.map((s) => JSON.stringify(s)).join(', ')} ${rule('not_in')}`);
  out.push(...wellKnownViolations(value, rules));
  return out;
}

function wellKnownViolations(value: string, rules: Record<string, unknown>): string[] {
  const rule = (name: string): string => `((validate.rules).string.${name})`;
  if (rules.email === true && !isEmail(value)) return [`must be an email address ${rule('email')}`];
  if (rules.hostname === true && !isHostname(value)) return [`must be a hostname (RFC 1034) ${rule('hostname')}`];
  if (rules.ip === true && isIP(value) === 0) return [`must be an IP address ${rule('ip')}`];
  if (rules.ipv4 === true && isIP(value) !== 4) return [`must be an IPv4 address ${rule('ipv4')}`];
  if (rules.ipv6 === true && isIP(value) !== 6) return [`must be an IPv6 address ${rule('ipv6')}`];
  if (rules.uri === true && !isAbsoluteUri(value)) return [`must be an absolute URI ${rule('uri')}`];
  if (rules.uri_ref === true && !isUriReference(value)) return [`must be a URI reference ${rule('uri_ref')}`];
  if (rules.address === true && !isHostname(value) && isIP(value) === 0) return [`must be a hostname or an IP address ${rule('address')}`];
  if (rules.uuid === true && !UUID.test(value)) return [`must be a UUID ${rule('uuid')}`];
  if (rules.well_known_regex !== undefined) {
    const name = KNOWN_REGEX_NAMES[String(rules.well_known_regex)] ?? String(rules.well_known_regex);
    const strict = rules.strict !== false;
    const regex = !strict ? HEADER_LOOSE : name === 'HTTP_HEADER_NAME' ? HEADER_NAME_STRICT : name === 'HTTP_HEADER_VALUE' ? HEADER_VALUE_STRICT : undefined;
    if (regex === undefined) return [`unknown well_known_regex ${name} ${rule('well_known_regex')}`];
    if (!regex.test(value)) {
      const what = name === 'HTTP_HEADER_NAME' ? 'an HTTP header name' : 'an HTTP header value';
      return [`must be ${what}${strict ? '' : ' (no NUL, CR or LF)'} ${rule(`well_known_regex = ${name}${strict ? '' : ', strict: false'}`)}`];
    }
  }
  return [];
}

export function bytesViolations(value: Buffer, rules: Record<string, unknown>): string[] {
  const out: string[] = [];
  const rule = (name: string): string => `((validate.rules).bytes.${name})`;
  if (rules.ignore_empty === true && value.length === 0) return out;
  const bytesOf = (raw: unknown): Buffer | undefined => (typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw instanceof Uint8Array ? Buffer.from(raw) : undefined);
  const constant = bytesOf(rules.const);
  if (constant && !constant.equals(value)) out.push(`must equal the given bytes ${rule('const')}`);
  out.push(...lengthViolations(value.length, rules, 'len', 'min_len', 'max_len', 'bytes', 'bytes'));
  if (typeof rules.pattern === 'string') {
    const regex = compiledPattern(rules.pattern);
    if (regex === null) out.push(`pattern ${JSON.stringify(rules.pattern)} cannot be evaluated here ${rule('pattern')}`);
    else if (!regex.test(value.toString('utf8'))) out.push(`must match the pattern ${JSON.stringify(rules.pattern)} ${rule('pattern')}`);
  }
  const prefix = bytesOf(rules.prefix);
  if (prefix && !value.subarray(0, prefix.length).equals(prefix)) out.push(`must start with the given bytes ${rule('prefix')}`);
  const suffix = bytesOf(rules.suffix);
  if (suffix && !value.subarray(value.length - suffix.length).equals(suffix)) out.push(`must end with the given bytes ${rule('suffix')}`);
  const contains = bytesOf(rules.contains);
  if (contains && !value.includes(contains)) out.push(`must contain the given bytes ${rule('contains')}`);
  const allowed = listOf(rules.in)?.map((item) => Buffer.from(item, 'latin1'));
  if (allowed && !allowed.some((item) => item.equals(value))) out.push(`must be one of the given values ${rule('in')}`);
  const refused = listOf(rules.not_in)?.map((item) => Buffer.from(item, 'latin1'));
  if (refused?.some((item) => item.equals(value))) out.push(`must not be one of the given values ${rule('not_in')}`);
  if (rules.ip === true && value.length !== 4 && value.length !== 16) out.push(`must be an IP address (4 or 16 bytes) ${rule('ip')}`);
  if (rules.ipv4 === true && value.length !== 4) out.push(`must be an IPv4 address (4 bytes) ${rule('ipv4')}`);
  if (rules.ipv6 === true && value.length !== 16) out.push(`must be an IPv6 address (16 bytes) ${rule('ipv6')}`);
  return out;
}

export function boolViolations(value: boolean, rules: Record<string, unknown>): string[] {
  return typeof rules.const === 'boolean' && value !== rules.const ? [`must equal ${String(rules.const)} ((validate.rules).bool.const)`] : [];
}

function lengthViolations(length: number, rules: Record<string, unknown>, exact: string, min: string, max: string, unit: string, family: string): string[] {
  const out: string[] = [];
  const read = (name: string): bigint | undefined => (rules[name] === undefined ? undefined : INTEGER_ORDER.read(rules[name]));
  const n = BigInt(length);
  const exactly = read(exact);
  if (exactly !== undefined && n !== exactly) out.push(`must be exactly ${exactly} ${unit} long ((validate.rules).${family}.${exact})`);
  const atLeast = read(min);
  if (atLeast !== undefined && n < atLeast) out.push(`must be at least ${atLeast} ${unit} long ((validate.rules).${family}.${min})`);
  const atMost = read(max);
  if (atMost !== undefined && n > atMost) out.push(`must be at most ${atMost} ${unit} long ((validate.rules).${family}.${max})`);
  return out;
}

function listOf(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

/** RE2 patterns as JavaScript regexes; the Envoy protos use the common subset. null when it does not compile. */
function compiledPattern(pattern: string): RegExp | null {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, 'u');
    } catch {
      regex = null;
    }
    patterns.set(pattern, regex);
  }
  return regex;
}

/** RFC 1034 as PGV checks it: labels of letters, digits and inner hyphens, 63 characters each, 253 in all. */
export function isHostname(value: string): boolean {
  const host = value.endsWith('.') ? value.slice(0, -1) : value;
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => label.length > 0 && label.length <= 63 && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label));
}

function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  return /^[^\s@<>()[\]\\,;:"]+$/.test(value.slice(0, at)) && isHostname(value.slice(at + 1));
}

function isAbsoluteUri(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || /\s/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function isUriReference(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\s<>"{}|\\^`\u0000-\u001F\u007F]/.test(value);
}

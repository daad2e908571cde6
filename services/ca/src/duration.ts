/**
 * Go-style durations (`time.ParseDuration`): `24h`, `1h30m`, `90m`, `3600s`, `1.5h`. The CA
 * takes validities in this form because Istio and OSM configuration (MeshConfig
 * `validityDuration`) spells them so.
 */
import { CaError } from './types.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// One way to split digits: `\d+\.?\d*` could split a run of digits n ways, and each failed
// match tried all of them (a 1 MB run of digits took minutes).
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export type ParsedDuration = { ok: true; ms: number } | { ok: false; reason: string };

/** Parses like Go; the sign is kept, so that callers can say "must be positive". */
export function parseGoDuration(text: string): ParsedDuration {
  let rest = text.trim();
  if (rest === '') return { ok: false, reason: 'is empty' };
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, ms: 0 };
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (match === null) return { ok: false, reason: `is not a duration such as "24h", "1h30m" or "90m"` };
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  if (!Number.isFinite(total)) return { ok: false, reason: 'is too large' };
  return { ok: true, ms: sign * total };
}

/** "24h", "1h30m", "90s": how the CA reports a duration back (whole seconds). */
export function formatDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', seconds > 0 ? `${seconds}s` : ''];
  return parts.join('') || '0s';
}

/**
 * A certificate validity: positive, at least one second (X.509 times have whole seconds), and
 * clamped to `maxMs`. Anything else is `MG_ERR_CA_BAD_DURATION` naming `field`.
 */
export function parseValidity(text: string, maxMs: number, field = 'validity'): number {
  const parsed = parseGoDuration(text);
  if (!parsed.ok) throw new CaError('MG_ERR_CA_BAD_DURATION', `${field} "${text}" ${parsed.reason}`, field);
  if (parsed.ms <= 0) throw new CaError('MG_ERR_CA_BAD_DURATION', `${field} "${text}" must be positive`, field);
  if (parsed.ms < 1000) throw new CaError('MG_ERR_CA_BAD_DURATION', `${field} "${text}" is shorter than one second`, field);
  return Math.min(parsed.ms, maxMs);
}

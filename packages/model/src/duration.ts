/**
 * Go durations (`time.ParseDuration`), the syntax OSM and Istio take in YAML: `24h`, `1h30m`,
 * `1.5s`, `250ms`; units ns, us (µs), ms, s, m, h; an optional sign; `0` on its own.
 */

const UNIT_MILLISECONDS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu, which Go accepts too
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// One way to split digits (`[0-9]*\.?[0-9]*` could split a run of n digits n ways, and a failed
// match tried them all: quadratic, minutes for a 1 MB value).
const SEGMENT = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/gy;

/** The duration in milliseconds (fractional for sub-millisecond parts), or undefined when it is not Go syntax. */
export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  SEGMENT.lastIndex = 0;
  let consumed = 0;
  for (let match = SEGMENT.exec(body); match !== null; match = SEGMENT.exec(body)) {
    const [whole, number, unit] = match;
    // Go needs a digit on at least one side of the point: `.5s` and `1.s` are fine, `.s` is not.
    if (!/[0-9]/.test(number)) return undefined;
    total += Number(number.endsWith('.') ? number.slice(0, -1) : number) * UNIT_MILLISECONDS[unit];
    consumed += whole.length;
  }
  return consumed === body.length ? sign * total : undefined;
}

/** A positive Go duration, for validity periods and intervals. */
export function checkPositiveGoDuration(text: string): string | undefined {
  const milliseconds = parseGoDuration(text);
  if (milliseconds === undefined) return `must be a duration such as "24h", "1h30m" or "90s" (got ${JSON.stringify(text)})`;
  if (milliseconds <= 0) return `must be longer than zero (got ${JSON.stringify(text)})`;
  return undefined;
}

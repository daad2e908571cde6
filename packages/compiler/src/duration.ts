/**
 * Go durations (`5s`, `1.5s`, `100ms`, `1h30m`) as Istio writes them, into protobuf Durations.
 *
 * Integer arithmetic on nanoseconds (BigInt) so that `0.1s` is exactly 100,000,000 ns and the
 * same text always gives the same object.
 */

export interface ProtoDuration {
  seconds: number;
  nanos: number;
}

const NANOS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign, as Go accepts
  'μs': 1_000n, // U+03BC Greek mu, as Go accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;

/** Nanoseconds of a non-negative Go duration, or undefined when the text is not one. */
export function parseGoDurationNanos(written: string): bigint | undefined {
  // A leading '+' is allowed by Go; a negative duration means nothing for a timeout.
  const text = written.startsWith('+') ? written.slice(1) : written;
  if (text === '0') return 0n;
  if (text === '') return undefined;
  let total = 0n;
  COMPONENT.lastIndex = 0;
  while (COMPONENT.lastIndex < text.length) {
    const start = COMPONENT.lastIndex;
    const m = COMPONENT.exec(text);
    if (!m || m.index !== start) return undefined;
    const [, whole = '', fraction = '', unit] = m;
    if (whole === '' && fraction === '') return undefined;
    const perUnit = NANOS_PER_UNIT[unit];
    total += BigInt(whole || '0') * perUnit;
    if (fraction !== '') {
      const scale = 10n ** BigInt(fraction.length);
      total += (BigInt(fraction) * perUnit) / scale;
    }
  }
  return total;
}

/** `{seconds, nanos}` for a Go duration, or undefined when the text is not one. */
export function parseGoDuration(text: string): ProtoDuration | undefined {
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined) return undefined;
  return { seconds: Number(nanos / 1_000_000_000n), nanos: Number(nanos % 1_000_000_000n) };
}

/** Timing and summary helpers for the benchmarks. */
export interface Summary {
  runs: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
}

export function summarise(samplesMs: number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (n: number) => Math.round(n * 100) / 100;
  return { runs: sorted.length, minMs: round(sorted[0]), p50Ms: round(at(0.5)), p90Ms: round(at(0.9)), maxMs: round(sorted[sorted.length - 1]) };
}

export function timeMs<T>(fn: () => T): { value: T; ms: number } {
  const started = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

export async function timeMsAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Progress on stderr, so stdout keeps only the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

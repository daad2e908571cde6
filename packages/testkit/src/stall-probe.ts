/**
 * A liveness probe loop for "no request can stall the process" tests: GETs a health URL over a
 * real socket, one request after another, and records the longest time between two answers.
 * The probe runs in the same process as the server under test, so a blocked event loop shows as
 * a gap (neither the server nor the probe can run). The bound checked against it is a bound on a
 * stall, not a performance figure.
 */

/** The promise: `/healthz` answers within a second under any single request. */
export const STALL_BOUND_MS = 1000;

export interface StallReport {
  /** The longest time between two answers (or from the start to the first one). */
  maxGapMs: number;
  /** Answers received. */
  answers: number;
  /** Anything but a 2xx, or a failed request, as a short description. */
  failures: string[];
}

export interface StallProbe {
  stop(): Promise<StallReport>;
}

/** Starts probing `url` at once; `stop()` ends the loop and reports. */
export function probeHealth(url: string, pauseMs = 10): StallProbe {
  let running = true;
  const report: StallReport = { maxGapMs: 0, answers: 0, failures: [] };
  let last = performance.now();
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        if (!response.ok) report.failures.push(`HTTP ${response.status}`);
        else report.answers += 1;
      } catch (error) {
        report.failures.push(error instanceof Error ? error.message : String(error));
      }
      const now = performance.now();
      report.maxGapMs = Math.max(report.maxGapMs, now - last);
      last = now;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return report;
    },
  };
}

/**
 * Delay before retry number `attempt` (0-based): doubling from `minMs` up to `maxMs`, with
 * "equal jitter" (half fixed, half random) so that many watches failing together (an apiserver
 * restart) do not come back in lockstep, while the delay never collapses to zero.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

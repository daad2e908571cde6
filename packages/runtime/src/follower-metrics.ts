/**
 * Log head and follower lag per replica: every process that folds the event log (api, ca, xds;
 * one shared follower in the embedded run) reports how far the log goes and how far behind it
 * is. Prometheus's `instance` label tells the replicas apart; `follower` names the component.
 */
import { Gauge, type Registry } from 'prom-client';

/** What a follower exposes (StateFollower has both); structural so runtime needs no follower import. */
export interface FollowerPosition {
  /** The last sequence folded into the state. */
  readonly sequence: number;
  /** The highest sequence known to exist (the doorbell's latest, or what was read). */
  readonly head: number;
}

const byRegistry = new WeakMap<Registry, Map<string, FollowerPosition>>();

/** Registers `follower` under `name` (once per registry; a second call with the same name replaces it). */
export function registerFollowerMetrics(registry: Registry, name: string, follower: FollowerPosition): void {
  let followers = byRegistry.get(registry);
  if (!followers) {
    const known = new Map<string, FollowerPosition>();
    followers = known;
    byRegistry.set(registry, known);
    new Gauge({
      name: 'meshgate_log_head_sequence',
      help: 'The highest event-log sequence this replica knows of (doorbell or read).',
      labelNames: ['follower'],
      registers: [registry],
      collect() {
        for (const [label, position] of known) this.set({ follower: label }, position.head);
      },
    });
    new Gauge({
      name: 'meshgate_follower_lag_events',
      help: 'Events in the log that this replica has not folded into its state yet (head − folded sequence).',
      labelNames: ['follower'],
      registers: [registry],
      collect() {
        for (const [label, position] of known) this.set({ follower: label }, Math.max(0, position.head - position.sequence));
      },
    });
  }
  followers.set(name, follower);
}

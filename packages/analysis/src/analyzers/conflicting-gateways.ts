/**
 * IST0145 ConflictingGateways: two Gateways select the same workloads (the same selector) and
 * serve overlapping hosts on the same port, so which one a request meets is not up to the user.
 * Each of them gets the message, naming the others.
 */
import { hostsOverlap, parseServerHost } from '@meshgate/compiler';
import type { GatewayObject } from '@meshgate/model';
import { CONFLICTING_GATEWAYS } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { gateways } from './objects.js';

interface Claim {
  gateway: GatewayObject;
  ref: string;
  selector: string;
  port: number;
  host: string;
}

export const conflictingGateways: Analyzer = {
  name: 'gateway.conflictinggateway',
  types: [CONFLICTING_GATEWAYS],
  analyze({ state }) {
    const claims: Claim[] = gateways(state).flatMap((gateway) =>
      gateway.spec.servers.flatMap((server) =>
        server.hosts.map((host) => ({
          gateway,
          ref: `${gateway.metadata.namespace}/${gateway.metadata.name}`,
          selector: selectorText(gateway.spec.selector),
          port: server.port.number,
          host: parseServerHost(host, gateway.metadata.namespace ?? '').host,
        })),
      ),
    );
    // gateway ref → (other ref → the conflicts found with it)
    const conflicts = new Map<string, Map<string, { claim: Claim; hosts: Set<string> }>>();
    for (let i = 0; i < claims.length; i++) {
      for (let j = i + 1; j < claims.length; j++) {
        const a = claims[i];
        const b = claims[j];
        if (a.ref === b.ref || a.selector !== b.selector || a.port !== b.port || !hostsOverlap(a.host, b.host)) continue;
        note(conflicts, a, b);
        note(conflicts, b, a);
      }
    }
    const messages: AnalysisMessage[] = [];
    for (const [, others] of [...conflicts].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const first = [...others.values()][0].claim;
      const owner = first.gateway;
      const names = [...others.keys()].sort();
      const hosts = [...new Set([...others.values()].flatMap(({ hosts: h }) => [...h]))].sort();
      const ports = [...new Set([...others.values()].map(({ claim }) => claim.port))].sort((x, y) => x - y);
      messages.push(
        messageOf(CONFLICTING_GATEWAYS, owner, `Conflict with gateways ${names.join(', ')} (workload selector ${first.selector || '(none)'}, port ${ports.join(', ')}, hosts ${hosts.join(', ')}).`, 'spec.servers'),
      );
    }
    return messages;
  },
};

/** Records that `own` (one gateway's claim) conflicts with `other`; keyed by `own`'s gateway. */
function note(conflicts: Map<string, Map<string, { claim: Claim; hosts: Set<string> }>>, own: Claim, other: Claim): void {
  let byOther = conflicts.get(own.ref);
  if (!byOther) conflicts.set(own.ref, (byOther = new Map()));
  const entry = byOther.get(other.ref) ?? { claim: { ...own }, hosts: new Set<string>() };
  entry.hosts.add(own.host);
  entry.hosts.add(other.host);
  byOther.set(other.ref, entry);
}

function selectorText(selector: Record<string, string>): string {
  return Object.keys(selector)
    .sort()
    .map((key) => `${key}=${selector[key]}`)
    .join(',');
}

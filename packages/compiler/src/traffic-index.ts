/**
 * The parts of the CompileIndex for egress and traffic policy, built once per state: ServiceEntry
 * hosts, DestinationRules by host, the outbound traffic policy. Lookups only; no proxy reads the
 * whole state.
 */
import {
  objectKey,
  outboundTrafficPolicy,
  qualifyDestinationHost,
  type DestinationRuleObject,
  type MeshState,
  type OutboundTrafficPolicy,
  type ServiceEntryObject,
} from '@meshgate/model';
import { compare, type Diagnostics } from './diagnostics.js';
import { HostTable } from './hosts.js';
import type { CompileOptions } from './types.js';

export interface TrafficIndex {
  serviceEntryHosts: HostTable<ServiceEntryObject>;
  destinationRulesByHost: ReadonlyMap<string, readonly DestinationRuleObject[]>;
  outboundPolicy: OutboundTrafficPolicy;
  refusedTrafficObjects: readonly (ServiceEntryObject | DestinationRuleObject)[];
}

/** Oldest first (creation sequence), then by namespace and name: Istio's order for rules of one host. */
function byAge<T extends ServiceEntryObject | DestinationRuleObject>(state: MeshState, objects: Iterable<T>): T[] {
  const created = (object: T) => state.createdSequence.get(`${object.kind}/${object.metadata.namespace}/${object.metadata.name}`) ?? 0;
  return [...objects].sort((a, b) => created(a) - created(b) || compare(a.metadata.namespace, b.metadata.namespace) || compare(a.metadata.name, b.metadata.name));
}

/** The index fields `buildTrafficIndex` makes (cells of the tracked index, rebuilt together). */
export const TRAFFIC_INDEX_FIELDS = ['serviceEntryHosts', 'destinationRulesByHost', 'outboundPolicy', 'refusedTrafficObjects'] as const;

/** The kinds those fields are made from: a change to one of them rebuilds them (`IncrementalIndex`). */
export const TRAFFIC_INDEX_KINDS: readonly string[] = ['ServiceEntry', 'DestinationRule', 'ConfigMap', 'MeshConfig'];

export function buildTrafficIndex(state: MeshState, options: CompileOptions): TrafficIndex {
  const refused: (ServiceEntryObject | DestinationRuleObject)[] = [];
  const serviceEntryHosts = new HostTable<ServiceEntryObject>();
  for (const entry of byAge(state, state.byKind.ServiceEntry.values())) {
    if (entry.refusedOnLoad) {
      refused.push(entry);
      continue;
    }
    // A VirtualService destination `my-mongo.tcp.svc` is qualified to `my-mongo.tcp.svc.cluster.local`;
    // the entry's host is indexed both ways so that either spelling finds it.
    const hosts = new Set(entry.spec.hosts.flatMap((host) => [host, qualifyDestinationHost(host, entry.metadata.namespace, options.clusterDomain)]));
    for (const host of hosts) serviceEntryHosts.add(host, entry);
  }
  const destinationRulesByHost = new Map<string, DestinationRuleObject[]>();
  for (const rule of byAge(state, state.byKind.DestinationRule.values())) {
    if (rule.refusedOnLoad) {
      refused.push(rule);
      continue;
    }
    const list = destinationRulesByHost.get(rule.spec.host);
    if (list) list.push(rule);
    else destinationRulesByHost.set(rule.spec.host, [rule]);
  }
  return { serviceEntryHosts, destinationRulesByHost, outboundPolicy: outboundTrafficPolicy(state), refusedTrafficObjects: refused };
}

/** Whether an object exported to `exportTo` is visible from `namespace` (empty means everywhere, Istio's default). */
export function exportedTo(exportTo: readonly string[], ownNamespace: string, namespace: string): boolean {
  return exportTo.length === 0 || exportTo.includes('*') || exportTo.includes(namespace) || (exportTo.includes('.') && ownNamespace === namespace);
}

/** What the index itself has to say: objects refused on load, and problems with the outbound policy. */
export function reportTrafficIndex(index: TrafficIndex, diagnostics: Diagnostics): void {
  for (const object of index.refusedTrafficObjects) {
    diagnostics.error(objectKey(object), `stored before meshgate compiled ${object.kind}s and refused by today's rules, so it is not applied: ${(object.refusedOnLoad ?? []).join('; ')}`);
  }
  for (const warning of index.outboundPolicy.warnings) diagnostics.warn(index.outboundPolicy.source.split(' and ')[0], warning);
  // Rules the lookups never reach (`destinationRuleFor` takes the oldest of an exact host): said, not ignored.
  for (const [host, rules] of index.destinationRulesByHost) {
    const [applied, ...shadowed] = rules;
    if (host.startsWith('*')) {
      for (const rule of rules) diagnostics.warn(objectKey(rule), `host ${host}: wildcard DestinationRule hosts are stored but not applied yet`);
      continue;
    }
    for (const rule of shadowed) diagnostics.warn(objectKey(rule), `host ${host}: not applied; ${objectKey(applied)} was created first and is the one applied (rules for one host are not merged)`);
  }
}

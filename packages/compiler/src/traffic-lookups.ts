/**
 * Questions about egress and traffic policy, answered from the CompileIndex: which ServiceEntry
 * names a host, which DestinationRule applies to it, and the policy in force for one port and
 * subset (Istio's merge: the rule's policy, then its `portLevelSettings` for the port, then the
 * subset's policy and the subset's port-level settings, each section replacing the one before).
 */
import { qualifyDestinationHost, type DestinationRuleObject, type DestinationSubset, type PortTrafficPolicy, type ServiceEntryObject, type TrafficPolicy, type VirtualServiceObject } from '@meshgate/model';
import { meshVirtualServicesFor, type CompileIndex } from './meshIndex.js';

/** The oldest ServiceEntry with exactly this host (qualified or as written); wildcard entries are not destinations. */
export function serviceEntryFor(index: CompileIndex, host: string): ServiceEntryObject | undefined {
  return index.serviceEntryHosts.overlapping(host).find((hit) => hit.host === host)?.value;
}

/**
 * A ServiceEntry host as the entry writes it, for a host as a VirtualService destination spells
 * it (qualified: `httpbin.org` → `httpbin.org.svc.cluster.local`), so that one host gets one
 * cluster name whichever way it was reached.
 */
export function writtenEntryHost(index: CompileIndex, entry: ServiceEntryObject, host: string): string {
  return entry.spec.hosts.find((written) => written === host || qualifyDestinationHost(written, entry.metadata.namespace, index.options.clusterDomain) === host) ?? host;
}

/**
 * The DestinationRule for a host: the oldest one naming it exactly (Istio merges several;
 * meshgate takes the oldest). Rule hosts are stored qualified like destinations, so a host as
 * written in a ServiceEntry is also tried qualified against `namespace`.
 */
export function destinationRuleFor(index: CompileIndex, host: string, namespace = ''): DestinationRuleObject | undefined {
  const rules = index.destinationRulesByHost;
  // No rule at all (the common case per cluster of a large mesh): no host to qualify.
  if (rules.size === 0) return undefined;
  return (rules.get(host) ?? index.destinationRulesByHost.get(qualifyDestinationHost(host, namespace, index.options.clusterDomain)))?.[0];
}

/** The mesh VirtualServices for a ServiceEntry host, found under the host as written or qualified. */
export function virtualServicesForEntryHost(index: CompileIndex, entry: ServiceEntryObject, host: string): VirtualServiceObject[] {
  const written = meshVirtualServicesFor(index, host);
  return written.length > 0 ? written : meshVirtualServicesFor(index, qualifyDestinationHost(host, entry.metadata.namespace, index.options.clusterDomain));
}

export function subsetOf(rule: DestinationRuleObject | undefined, name: string): DestinationSubset | undefined {
  return name === '' ? undefined : rule?.spec.subsets.find((subset) => subset.name === name);
}

export type EffectivePolicy = Omit<PortTrafficPolicy, 'port'>;

function overlay(base: EffectivePolicy, policy: TrafficPolicy | undefined, port: number): EffectivePolicy {
  if (!policy) return base;
  const atPort = policy.portLevelSettings.find((setting) => setting.port.number === port);
  const merged: EffectivePolicy = { ...base };
  for (const source of [policy, atPort]) {
    if (!source) continue;
    if (source.loadBalancer) merged.loadBalancer = source.loadBalancer;
    if (source.connectionPool) merged.connectionPool = source.connectionPool;
    if (source.outlierDetection) merged.outlierDetection = source.outlierDetection;
    if (source.tls) merged.tls = source.tls;
  }
  return merged;
}

/** The policy for traffic to `port` of the rule's host, in `subset` ('' for none). */
export function effectivePolicy(rule: DestinationRuleObject | undefined, port: number, subset: string): EffectivePolicy {
  if (!rule) return {};
  return overlay(overlay({}, rule.spec.trafficPolicy, port), subsetOf(rule, subset)?.trafficPolicy, port);
}

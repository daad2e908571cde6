/**
 * Questions about egress and traffic policy, answered from the CompileIndex: which ServiceEntry
 * names a host, which DestinationRule applies to it, and the policy in force for one port and
 * subset (Istio's merge: the rule's policy, then its `portLevelSettings` for the port, then the
 * subset's policy and the subset's port-level settings, each section replacing the one before).
 */
import type { DestinationRuleObject, DestinationSubset, PortTrafficPolicy, ServiceEntryObject, TrafficPolicy } from '@meshgate/model';
import type { CompileIndex } from './meshIndex.js';

/** The oldest ServiceEntry with exactly this host (qualified or as written); wildcard entries are not destinations. */
export function serviceEntryFor(index: CompileIndex, host: string): ServiceEntryObject | undefined {
  return index.serviceEntryHosts.overlapping(host).find((hit) => hit.host === host)?.value;
}

/** The DestinationRule for a host: the oldest one naming it exactly (Istio merges several; meshgate takes the oldest). */
export function destinationRuleFor(index: CompileIndex, host: string): DestinationRuleObject | undefined {
  return index.destinationRulesByHost.get(host)?.[0];
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

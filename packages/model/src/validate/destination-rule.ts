/**
 * Istio's DestinationRule: what happens to traffic for a host once routing has chosen it —
 * subsets (endpoints picked by Pod labels), load balancing, connection pool, outlier detection
 * and client TLS (`traffic-policy.ts`). Fields meshgate does not implement are refused by name.
 */
import { checkHostname, qualifyDestinationHost } from '../hosts.js';
import { isIP } from '../ip.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { DestinationRuleObject, DestinationSubset, FieldError } from '../types.js';
import { reportDuplicates } from './common.js';
import { istioVersion, readExportTo } from './istio.js';
import { refuseUnknownFields } from './known-fields.js';
import { readLabels, readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';
import { readTrafficPolicy } from './traffic-policy.js';

function checkRuleHost(host: string): string | undefined {
  if (isIP(host)) return 'must be a host name, not an IP address';
  return checkHostname(host);
}

function readSubset(subset: ObjectReader): DestinationSubset | undefined {
  refuseUnknownFields(subset, ['name', 'labels', 'trafficPolicy']);
  const name = subset.requireString('name', checkDns1123Label);
  const labels = readLabels(subset, 'labels');
  const trafficPolicy = readTrafficPolicy(subset);
  return name === undefined ? undefined : { name, labels, trafficPolicy };
}

export function readDestinationRuleObject(document: ObjectReader, apiVersion: string, clusterDomain: string): DestinationRuleObject {
  refuseUnknownFields(document, ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  const object: DestinationRuleObject = { apiVersion: istioVersion(apiVersion), kind: 'DestinationRule', metadata, spec: { host: '', subsets: [], exportTo: [] } };
  if (!spec) return object;
  refuseUnknownFields(spec, ['host', 'trafficPolicy', 'subsets', 'exportTo'], {
    workloadSelector: 'DestinationRules scoped to workloads are not implemented',
  });
  const host = spec.requireString('host', checkRuleHost)?.toLowerCase();
  const items: { item: DestinationSubset; reader: ObjectReader }[] = [];
  const subsets = spec.objects('subsets', (reader) => {
    const subset = readSubset(reader);
    if (subset) items.push({ item: subset, reader });
    return subset;
  });
  reportDuplicates(items, (subset) => subset.name, 'name', 'subset name');
  object.spec = {
    host: host === undefined ? '' : qualifyDestinationHost(host, metadata.namespace, clusterDomain),
    trafficPolicy: readTrafficPolicy(spec),
    subsets,
    exportTo: readExportTo(spec),
  };
  return object;
}

/**
 * What `apply` warns about a DestinationRule it accepts. A subset with neither labels nor a
 * trafficPolicy is accepted, as Istio accepts it (seed 003's first step writes one), but it selects
 * every endpoint of the host and changes nothing: more often a mistake than meant.
 */
export function destinationRuleWarnings(rule: DestinationRuleObject): FieldError[] {
  return rule.spec.subsets.flatMap((subset, index) =>
    Object.keys(subset.labels).length === 0 && subset.trafficPolicy === undefined
      ? [{ path: `spec.subsets[${index}]`, message: `subset ${subset.name} has neither labels nor a trafficPolicy: it selects every endpoint of ${rule.spec.host} and changes nothing` }]
      : [],
  );
}

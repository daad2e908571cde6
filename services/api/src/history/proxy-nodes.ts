/**
 * The node descriptions of connected proxies, read from what the xds service reports
 * (`GET /v1/proxies` items: `{id, node: {role, client, namespace, serviceAccount, labels, ips, certificateProviders?}}`).
 * The report crosses a service boundary, so it is checked field by field, never cast.
 */
import type { ProxyNode } from '@meshgate/compiler';
import { apiError } from '../errors.js';
import type { ProxySource } from '../options.js';
import { isPlainRecord } from '../records.js';

const ROLES: ReadonlySet<string> = new Set(['sidecar', 'ingress-gateway', 'egress-gateway']);

function isRole(value: unknown): value is ProxyNode['role'] {
  return typeof value === 'string' && ROLES.has(value);
}

function readNode(value: unknown): ProxyNode | undefined {
  if (!isPlainRecord(value)) return undefined;
  const { id, role, client, namespace, serviceAccount, labels, ips } = value;
  if (typeof id !== 'string' || !isRole(role) || (client !== 'envoy' && client !== 'grpc')) return undefined;
  if (typeof namespace !== 'string' || typeof serviceAccount !== 'string' || !isPlainRecord(labels)) return undefined;
  const labelMap: Record<string, string> = {};
  for (const [key, label] of Object.entries(labels)) {
    if (typeof label !== 'string') return undefined;
    labelMap[key] = label;
  }
  const ipList: string[] = [];
  for (const ip of Array.isArray(ips) ? ips : ips === undefined ? [] : [undefined]) {
    if (typeof ip !== 'string') return undefined;
    ipList.push(ip);
  }
  // A proxyless client's bootstrap instances (CERTIFICATE_PROVIDERS): its TLS clusters depend on them.
  const providers = value.certificateProviders;
  if (providers !== undefined && !(Array.isArray(providers) && providers.every((name) => typeof name === 'string'))) return undefined;
  return { id, role, client, namespace, serviceAccount, labels: labelMap, ips: ipList, ...(providers !== undefined ? { certificateProviders: [...providers] } : {}) };
}

/** Every connected proxy's node; an entry that does not read as one is an internal error (the two services disagree). */
export async function connectedNodes(source: ProxySource): Promise<ProxyNode[]> {
  const list = await source.list();
  return list.map((entry, index) => {
    const node = isPlainRecord(entry) ? readNode(entry.node) : undefined;
    if (node === undefined) throw apiError('MG_ERR_INTERNAL', `the xds service reported proxy ${index} without a readable node description`);
    return node;
  });
}

export async function connectedNode(source: ProxySource, id: string): Promise<ProxyNode | undefined> {
  return (await connectedNodes(source)).find((node) => node.id === id);
}

/**
 * `proxy-config` filters, as istioctl's: `--fqdn` and `--port`, read from the resource names of
 * the naming contract (packages/compiler/src/naming.ts) and from listener addresses.
 *
 * - Cluster, ClusterLoadAssignment: `outbound|<port>|<subset>|<fqdn>` (`cluster_name` for the latter).
 * - Listener: `--port` the bound port (or the port of a proxyless `<fqdn>:<port>` listener); `--fqdn` the host of a proxyless listener.
 * - RouteConfiguration: `--fqdn` keeps the virtual hosts whose domains name it (and the route
 *   configurations that have one); `--port` the port a name ends with (`http.80`, `<fqdn>:7070`).
 */
import { CliError } from '../errors.js';
import { arrayAt, isRecord, numberAt, stringAt, stringsAt, type JsonRecord } from '../json.js';

export interface ConfigFilter {
  fqdn?: string;
  port?: number;
}

/** `outbound|8000||httpbin.default.svc.cluster.local` → port 8000, fqdn …; undefined for other names. */
function clusterParts(name: string): { port: number; fqdn: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || !/^\d+$/.test(parts[1])) return undefined;
  return { port: Number(parts[1]), fqdn: parts[3] };
}

/** The port a name ends with: `http.80`, `0.0.0.0_80`, `host:7070`. */
function trailingPort(name: string): number | undefined {
  const match = /[.:_](\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** A proxyless `<fqdn>:<port>` name's host. */
function hostOf(name: string): string | undefined {
  const match = /^([^:/?]+):\d+$/.exec(name);
  return match ? match[1] : undefined;
}

function domainNames(fqdn: string, domain: string): boolean {
  return domain === fqdn || domain.startsWith(`${fqdn}:`);
}

export function filterResources(type: string, resources: readonly unknown[], filter: ConfigFilter): unknown[] {
  if (filter.fqdn === undefined && filter.port === undefined) return [...resources];
  const records = resources.filter(isRecord);
  switch (type) {
    case 'Cluster':
    case 'ClusterLoadAssignment':
      return records.filter((resource) => {
        const parts = clusterParts(stringAt(resource, type === 'Cluster' ? 'name' : 'cluster_name') ?? '');
        return parts !== undefined && (filter.fqdn === undefined || parts.fqdn === filter.fqdn) && (filter.port === undefined || parts.port === filter.port);
      });
    case 'Listener':
      return records.filter((resource) => {
        const name = stringAt(resource, 'name') ?? '';
        const port = numberAt(resource, 'address', 'socket_address', 'port_value') ?? trailingPort(name);
        return (filter.port === undefined || port === filter.port) && (filter.fqdn === undefined || hostOf(name) === filter.fqdn);
      });
    case 'RouteConfiguration':
      return records.flatMap((resource): JsonRecord[] => {
        if (filter.port !== undefined && trailingPort(stringAt(resource, 'name') ?? '') !== filter.port) return [];
        if (filter.fqdn === undefined) return [resource];
        const { fqdn } = filter;
        const hosts = arrayAt(resource, 'virtual_hosts').filter((host) => stringsAt(host, 'domains').some((domain) => domainNames(fqdn, domain)));
        return hosts.length === 0 ? [] : [{ ...resource, virtual_hosts: hosts }];
      });
    default:
      throw new CliError(`error: --fqdn and --port do not apply to ${type}; they filter cluster, endpoint, listener and route`);
  }
}

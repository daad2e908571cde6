import { MESH_GATEWAY, checkHostname } from '../hosts.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { VirtualServiceObject } from '../types.js';
import { readGatewayRefs, readHttpRoute } from './http-route.js';
import { readTcpRoute, readTlsRoute } from './l4-route.js';
import { istioVersion } from './istio.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

/** `exportTo` entries: `.` (this namespace), `*` (all), or a namespace name. */
function checkExportTo(value: string): string | undefined {
  return value === '.' || value === '*' ? undefined : checkDns1123Label(value);
}

export function readVirtualServiceObject(document: ObjectReader, apiVersion: string, clusterDomain: string): VirtualServiceObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec', { required: true });
  if (!spec) return { apiVersion: istioVersion(apiVersion), kind: 'VirtualService', metadata, spec: { hosts: [], gateways: [MESH_GATEWAY], http: [], exportTo: [] } };
  if (!spec.has('http') && !spec.has('tcp') && !spec.has('tls')) spec.error('http', 'one of http, tcp or tls is required');
  const hosts = spec
    .stringArray('hosts', checkHostname, { required: true, message: 'at least one host is required' })
    .map((host) => host.toLowerCase());
  const gateways = readGatewayRefs(spec, metadata.namespace);
  const context = { namespace: metadata.namespace, clusterDomain };
  const tls = spec.objects('tls', (entry) => readTlsRoute(entry, context, hosts));
  const tcp = spec.objects('tcp', (entry) => readTcpRoute(entry, context));
  return {
    apiVersion: istioVersion(apiVersion),
    kind: 'VirtualService',
    metadata,
    spec: {
      hosts,
      // Istio: a VirtualService without gateways applies to the sidecars of the mesh.
      gateways: gateways.length > 0 ? gateways : [MESH_GATEWAY],
      http: spec.objects('http', (http) => readHttpRoute(http, context)),
      exportTo: [...new Set(spec.stringArray('exportTo', checkExportTo))].sort(),
      tls: tls.length > 0 ? tls : undefined,
      tcp: tcp.length > 0 ? tcp : undefined,
    },
  };
}

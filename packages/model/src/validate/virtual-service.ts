import { MESH_GATEWAY, checkHostname } from '../hosts.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { VirtualServiceObject } from '../types.js';
import { readGatewayRefs, readHttpRoute } from './http-route.js';
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
  // meshgate compiles the `http` routes; `tcp` and `tls` routes are accepted but not stored.
  if (!spec.has('http') && !spec.has('tcp') && !spec.has('tls')) spec.error('http', 'one of http, tcp or tls is required');
  const hosts = spec
    .stringArray('hosts', checkHostname, { required: true, message: 'at least one host is required' })
    .map((host) => host.toLowerCase());
  const gateways = readGatewayRefs(spec, metadata.namespace);
  const context = { namespace: metadata.namespace, clusterDomain };
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
    },
  };
}

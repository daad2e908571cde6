/**
 * grpc-js-xds's own resource validators and RBAC engine, for holding proxyless resources to the
 * checks a real client or XdsServer makes. grpc-js-xds is a CommonJS package; these modules are
 * internal but stable within 1.14 (the version the root package pins).
 */
import { createRequire } from 'node:module';
import { toAny } from '@meshgate/envoy-proto';
import { TYPE_URL, type TypeUrl } from '../src/index.js';

interface DecodeResult {
  name: string;
  value?: unknown;
  error?: string;
}
export interface ResourceType {
  decode(context: unknown, resource: { type_url: string; value: Buffer }): DecodeResult;
}

/** What grpc-js's RBAC engine looks at for one call (`rbac.js`, `RequestInfo`). */
export interface RbacRequestInfo {
  sourceIp: string;
  destinationIp: string;
  destinationPort: number;
  tls: boolean;
  peerCertificate: { subjectaltname?: string; subject: { CN?: string } } | null;
  urlPath: string;
  headers: unknown;
}
interface RbacPolicyGroup {
  apply(info: RbacRequestInfo): boolean;
}

const require = createRequire(import.meta.url);
// An XdsServer knows the RBAC filter only with this set (read when grpc-js-xds loads); without it
// every server listener with an RBAC filter is NACKed, so the checks must run with it set.
process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
const grpcXds = require('@grpc/grpc-js-xds') as { register(): void };
grpcXds.register(); // registers the router and RBAC filters the listener validation looks for

export const resourceTypes: Partial<Record<TypeUrl, ResourceType>> = {
  [TYPE_URL.listener]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js') as { ListenerResourceType: { get(): ResourceType } }).ListenerResourceType.get(),
  [TYPE_URL.route]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js') as { RouteConfigurationResourceType: { get(): ResourceType } }).RouteConfigurationResourceType.get(),
  [TYPE_URL.cluster]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js') as { ClusterResourceType: { get(): ResourceType } }).ClusterResourceType.get(),
  [TYPE_URL.endpoint]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js') as { EndpointResourceType: { get(): ResourceType } }).EndpointResourceType.get(),
};

/** The bootstrap's certificate providers, as `bootstrapCertificateProviders` (@meshgate/xds) writes them: one named `default`. */
export const decodeContext = {
  bootstrap: {
    certificateProviders: {
      default: { plugin_name: 'file_watcher', config: { certificate_file: 'cert.pem', private_key_file: 'key.pem', ca_certificate_file: 'ca.pem', refresh_interval: '10s' } },
    },
  },
};

/**
 * A bootstrap defining the node's certificate provider instances (`ProxyNode.certificateProviders`;
 * `default` only when unstated), for a client whose bootstrap has DestinationRule file instances.
 */
export function decodeContextFor(certificateProviders: readonly string[] | undefined): typeof decodeContext {
  const fileWatcher = decodeContext.bootstrap.certificateProviders.default;
  return { bootstrap: { certificateProviders: Object.fromEntries((certificateProviders ?? ['default']).map((name) => [name, fileWatcher])) as typeof decodeContext.bootstrap.certificateProviders } };
}

const httpFilters = require('@grpc/grpc-js-xds/build/src/http-filter.js') as {
  parseTopLevelFilterConfig(encoded: { type_url: string; value: Buffer }, client: boolean): { config: RbacPolicyGroup } | null;
};

/**
 * The policy grpc-js builds from an RBAC HTTP filter (`{name, typed_config: {'@type', …}}`), as
 * an XdsServer does; undefined when grpc-js cannot parse it.
 */
export function grpcRbacPolicy(filter: Record<string, unknown>): RbacPolicyGroup | undefined {
  const typedConfig = filter.typed_config;
  if (typeof typedConfig !== 'object' || typedConfig === null) return undefined;
  const { '@type': typeUrl, ...config } = typedConfig as Record<string, unknown>;
  if (typeof typeUrl !== 'string') return undefined;
  return httpFilters.parseTopLevelFilterConfig(toAny(typeUrl, config), false)?.config;
}

/** A call's view for the RBAC engine: from `sourceIp`, with a client certificate carrying `dnsSans` (none: plaintext). */
export function callFrom(sourceIp: string, dnsSans?: string[]): RbacRequestInfo {
  return {
    sourceIp,
    destinationIp: '127.0.0.10',
    destinationPort: 14001,
    tls: dnsSans !== undefined,
    peerCertificate: dnsSans === undefined ? null : { subjectaltname: dnsSans.map((san) => `DNS:${san}`).join(', '), subject: {} },
    urlPath: '/grpc.health.v1.Health/Check',
    headers: undefined,
  };
}

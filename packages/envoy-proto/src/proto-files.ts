/**
 * Where the Envoy v3 protos live and which of them meshgate loads.
 *
 * They ship with `@grpc/grpc-js-xds` (its `deps/` folder), so the protos we encode with are the
 * very ones our strictest peer, the proxyless gRPC client, decodes with.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

let cachedIncludeDirs: readonly string[] | undefined;

/**
 * Include directories for the Envoy protos, in lookup order. The first is this package's own
 * `protos/`: newer copies of the few Envoy files whose fields meshgate needs and the deps lack
 * (each says why at its top); it is searched first so that its copy takes the deps' place. The
 * last one is protobufjs's own folder: it holds `google/protobuf/descriptor.proto`, which
 * protobufjs does not bundle and the Envoy protos import for their options.
 */
export function includeDirs(): string[] {
  if (!cachedIncludeDirs) {
    const xdsPackageDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
    const deps = path.join(xdsPackageDir, 'deps');
    const dirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir));
    for (const dir of dirs) {
      if (!existsSync(dir)) throw new Error(`Envoy proto include directory not found: ${dir}`);
    }
    const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
    // dist/src/proto-files.js → the package root.
    const ownDir = fileURLToPath(new URL('../../protos', import.meta.url));
    if (!existsSync(ownDir)) throw new Error(`Envoy proto include directory not found: ${ownDir}`);
    cachedIncludeDirs = [ownDir, ...dirs, protobufjsDir];
  }
  return [...cachedIncludeDirs];
}

/** The first include directory holding `target`, as an absolute path; undefined when none does. */
export function findInIncludeDirs(dirs: readonly string[], target: string): string | undefined {
  if (path.isAbsolute(target)) return target;
  for (const dir of dirs) {
    const candidate = path.join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Every message meshgate may put in a resource, directly or inside a `typed_config`.
 * When the compiler starts emitting a new extension, add its file here (and its type URL to
 * TYPE_URLS) — an `@type` whose file is not loaded is reported as an unknown type URL.
 */
export const ENVOY_PROTO_FILES = [
  // Resources and the discovery protocol.
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  // Network and HTTP filters.
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/direct_response/v3/config.proto',
  'envoy/extensions/filters/network/mongo_proxy/v3/mongo_proxy.proto',
  'envoy/extensions/filters/network/sni_dynamic_forward_proxy/v3/sni_dynamic_forward_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.proto',
  'envoy/config/rbac/v3/rbac.proto',
  'envoy/extensions/rbac/matchers/upstream_ip_port/v3/upstream_ip_port_matcher.proto',
  // Listener filters.
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  // Transport sockets and upstream options.
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/common.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  'envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.proto',
  // Load-balancing policies the proxyless gRPC client understands.
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  // Access logs and generic typed configs.
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
  // The bootstrap, for checking what `meshgate proxy bootstrap` writes for Envoy.
  'envoy/config/bootstrap/v3/bootstrap.proto',
  // Services: secret discovery and client status (proxy-status).
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/status/v3/csds.proto',
] as const;

/** The gRPC services the xds service serves: ADS (SotW + delta), SDS and CSDS. */
export const DISCOVERY_SERVICE_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/status/v3/csds.proto',
] as const;

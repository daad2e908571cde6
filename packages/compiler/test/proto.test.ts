/**
 * Every resource of every golden case against the real Envoy v3 protos (the ones
 * @grpc/grpc-js-xds ships): no unknown or mistyped field, and it encodes. The resources the
 * proxyless cases produce also go through grpc-js-xds's own decoders and validators — the
 * checks a real client makes before it ACKs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource, encodeResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileResult, type TypeUrl } from '../src/index.js';
import { decodeContext, decodeContextFor, resourceTypes } from './grpc-xds.js';
import { goldenCases, loadCase, OPTIONS, stateOf } from './support.js';

const compiled = new Map<string, { result: CompileResult; client: 'envoy' | 'grpc'; certificateProviders?: string[] }>();
function compileCase(name: string): { result: CompileResult; client: 'envoy' | 'grpc'; certificateProviders?: string[] } {
  let entry = compiled.get(name);
  if (!entry) {
    const golden = loadCase(name);
    entry = { result: compileProxy(stateOf(golden.objects), golden.node, OPTIONS), client: golden.node.client, certificateProviders: golden.node.certificateProviders };
    compiled.set(name, entry);
  }
  return entry;
}

const TYPE_URLS: TypeUrl[] = Object.values(TYPE_URL);

for (const name of goldenCases()) {
  test(`proto: every resource of ${name} is clean and encodes`, () => {
    const { result } = compileCase(name);
    for (const typeUrl of TYPE_URLS) {
      for (const { name: resourceName, resource } of result.resources[typeUrl]) {
        assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${resourceName}`);
        assert.ok(encodeResource(typeUrl, resource).length > 0, `${typeUrl} ${resourceName} encodes`);
        const ownName = typeUrl === TYPE_URL.endpoint ? resource.cluster_name : resource.name;
        assert.equal(ownName, resourceName, 'the xDS name is the resource name');
      }
    }
  });

  test(`proto: ${name} is plain JSON (no undefined members, nothing JSON would lose)`, () => {
    const { result } = compileCase(name);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(result)), result);
  });
}

test('proto: a misspelt field is caught (the walk is strict)', () => {
  assert.notDeepEqual(checkResource(TYPE_URL.cluster, { name: 'x', lb_polcy: 'ROUND_ROBIN' }), []);
});

for (const name of goldenCases()) {
  const { client } = compileCase(name);
  if (client !== 'grpc') continue;
  test(`grpc-js-xds: the proxyless resources of ${name} decode and validate as a real client would`, () => {
    const { result, certificateProviders } = compileCase(name);
    // The bootstrap the node states: its certificate provider instances (`default` when unstated).
    const context = decodeContextFor(certificateProviders);
    let checked = 0;
    for (const typeUrl of TYPE_URLS) {
      const type = resourceTypes[typeUrl];
      if (!type) continue;
      for (const { name: resourceName, resource } of result.resources[typeUrl]) {
        const decoded = type.decode(context, { type_url: typeUrl, value: encodeResource(typeUrl, resource) });
        assert.equal(decoded.error, undefined, `${typeUrl} ${resourceName}: ${decoded.error}`);
        assert.equal(decoded.name, resourceName);
        checked += 1;
      }
    }
    assert.ok(checked > 0, 'some resources were checked');
  });
}

test('grpc-js-xds: the validator has teeth (a direct_response route is rejected)', () => {
  const type = resourceTypes[TYPE_URL.route];
  assert.ok(type);
  const route = {
    name: 'x:1',
    virtual_hosts: [{ name: 'x:1', domains: ['x:1'], routes: [{ match: { prefix: '/' }, direct_response: { status: 404 } }] }],
  };
  const decoded = type.decode(decodeContext, { type_url: TYPE_URL.route, value: encodeResource(TYPE_URL.route, route) });
  assert.match(decoded.error ?? '', /unsupported action/);
});

/** A server listener like the compiler's, with `tls` as its DownstreamTlsContext and `rbacAction` in its RBAC filter. */
function serverListener(tls: Record<string, unknown> | undefined, rbacAction: string): Record<string, unknown> {
  const name = 'grpc/server?xds.resource.listening_address=127.0.0.1:50051';
  const rbac = { name: 'envoy.filters.http.rbac', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', rules: { action: rbacAction } } };
  const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
  const routeConfig = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, non_forwarding_action: {} }] }] };
  const hcm = { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 's', route_config: routeConfig, http_filters: [rbac, router] };
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 50051 } },
    filter_chains: [
      {
        filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }],
        ...(tls ? { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', ...tls } } } : {}),
      },
    ],
  };
}

function decodeListenerError(listener: Record<string, unknown>): string | undefined {
  const type = resourceTypes[TYPE_URL.listener];
  assert.ok(type);
  return type.decode(decodeContext, { type_url: TYPE_URL.listener, value: encodeResource(TYPE_URL.listener, listener) }).error;
}

test('grpc-js-xds: the server-listener validator has teeth (RBAC is parsed, TLS is checked)', () => {
  const identity = { common_tls_context: { tls_certificate_provider_instance: { instance_name: 'default' } } };
  assert.equal(decodeListenerError(serverListener(identity, 'ALLOW')), undefined, 'the baseline is accepted');
  assert.match(decodeListenerError(serverListener(identity, 'LOG')) ?? '', /rbac filter validation failed/);
  // Why the compiler leaves require_client_certificate out instead of writing false:
  assert.match(decodeListenerError(serverListener({ ...identity, require_client_certificate: { value: false } }, 'ALLOW')) ?? '', /require_client_certificate set without any validationContext/);
  assert.match(decodeListenerError(serverListener({ common_tls_context: { tls_certificate_provider_instance: { instance_name: 'other' } } }, 'ALLOW')) ?? '', /Unmatched/);
});

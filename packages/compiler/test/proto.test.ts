/**
 * Every resource of every golden case against the real Envoy v3 protos (the ones
 * @grpc/grpc-js-xds ships): no unknown or mistyped field, and it encodes. The resources the
 * proxyless cases produce also go through grpc-js-xds's own decoders and validators — the
 * checks a real client makes before it ACKs.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { checkResource, encodeResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileResult, type TypeUrl } from '../src/index.js';
import { goldenCases, loadCase, OPTIONS, stateOf } from './support.js';

const compiled = new Map<string, { result: CompileResult; client: 'envoy' | 'grpc' }>();
function compileCase(name: string): { result: CompileResult; client: 'envoy' | 'grpc' } {
  let entry = compiled.get(name);
  if (!entry) {
    const golden = loadCase(name);
    entry = { result: compileProxy(stateOf(golden.objects), golden.node, OPTIONS), client: golden.node.client };
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

// grpc-js-xds is a CommonJS package; its resource types are internal but stable within 1.14.
interface DecodeResult {
  name: string;
  value?: unknown;
  error?: string;
}
interface ResourceType {
  decode(context: unknown, resource: { type_url: string; value: Buffer }): DecodeResult;
}
const require = createRequire(import.meta.url);
const grpcXds = require('@grpc/grpc-js-xds') as { register(): void };
grpcXds.register(); // registers the router filter the listener validation looks for
const resourceTypes: Partial<Record<TypeUrl, ResourceType>> = {
  [TYPE_URL.listener]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js') as { ListenerResourceType: { get(): ResourceType } }).ListenerResourceType.get(),
  [TYPE_URL.route]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js') as { RouteConfigurationResourceType: { get(): ResourceType } }).RouteConfigurationResourceType.get(),
  [TYPE_URL.cluster]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js') as { ClusterResourceType: { get(): ResourceType } }).ClusterResourceType.get(),
  [TYPE_URL.endpoint]: (require('@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js') as { EndpointResourceType: { get(): ResourceType } }).EndpointResourceType.get(),
};
const decodeContext = { bootstrap: { certificateProviders: {} } };

for (const name of goldenCases()) {
  const { client } = compileCase(name);
  if (client !== 'grpc') continue;
  test(`grpc-js-xds: the proxyless resources of ${name} decode and validate as a real client would`, () => {
    const { result } = compileCase(name);
    let checked = 0;
    for (const typeUrl of TYPE_URLS) {
      const type = resourceTypes[typeUrl];
      if (!type) continue;
      for (const { name: resourceName, resource } of result.resources[typeUrl]) {
        const decoded = type.decode(decodeContext, { type_url: typeUrl, value: encodeResource(typeUrl, resource) });
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

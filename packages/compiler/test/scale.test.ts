/**
 * The design size (1,000 Services, 1,000 VirtualServices) compiles correctly for a gateway and
 * for a proxyless client from one shared index. No timing here — speed is measured in bench/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { buildIndex, compileWithIndex, TYPE_URL, type CompileResult } from '../src/index.js';
import { gateway, GRPC_NODE, httpServer, INGRESS_NODE, objectsFrom, OPTIONS, service, stateOf, virtualService } from './support.js';

const COUNT = 1000;

function documents(): unknown[] {
  const docs: unknown[] = [gateway('istio-system', 'public', [httpServer(80, ['*.example.com'])])];
  for (let i = 0; i < COUNT; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    docs.push(service('apps', name, [{ name: 'grpc', port: 7070 }]));
    docs.push({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: 'apps' },
      subsets: [{ addresses: [{ ip: `10.8.${Math.floor(i / 250)}.${(i % 250) + 1}` }], ports: [{ name: 'grpc', port: 7070 }] }],
    });
    docs.push(
      virtualService('apps', name, {
        hosts: [`${name}.example.com`, name],
        gateways: ['istio-system/public', 'mesh'],
        http: [{ match: [{ uri: { prefix: `/${name}.Api/` } }], route: [{ destination: { host: name } }] }],
      }),
    );
  }
  return docs;
}

test(`${COUNT} Services and ${COUNT} VirtualServices compile for a gateway and a proxyless client`, () => {
  const index = buildIndex(stateOf(objectsFrom(documents())), OPTIONS);

  const gatewayResult = compileWithIndex(index, INGRESS_NODE);
  assert.deepEqual(gatewayResult.diagnostics, []);
  const [routeConfig] = gatewayResult.resources[TYPE_URL.route];
  const virtualHosts = routeConfig.resource.virtual_hosts as { name: string }[];
  assert.equal(virtualHosts.length, COUNT + 1);
  assert.equal(virtualHosts[0].name, 'svc-0000.example.com:80');
  assert.equal(virtualHosts[COUNT].name, 'blackhole:80');
  assert.equal(gatewayResult.resources[TYPE_URL.cluster].length, COUNT);
  const endpoints = gatewayResult.resources[TYPE_URL.endpoint];
  assert.equal(endpoints.length, COUNT);
  assert.ok(endpoints.every((e) => (e.resource.endpoints as unknown[]).length === 1));

  const grpcResult = compileWithIndex(index, GRPC_NODE);
  assert.deepEqual(grpcResult.diagnostics, []);
  assert.equal(grpcResult.resources[TYPE_URL.listener].length, COUNT);
  const route = grpcResult.resources[TYPE_URL.route].find((r) => r.name === 'svc-0999.apps.svc.cluster.local:7070');
  assert.ok(route);
  const [virtualHost] = route.resource.virtual_hosts as { routes: { match: unknown }[] }[];
  assert.deepEqual(virtualHost.routes.map((r) => r.match), [{ prefix: '/svc-0999.Api/' }]);

  // What Envoy would check: the shape and the protos' validate rules, on every resource.
  const problems = (result: CompileResult) =>
    Object.entries(result.resources).flatMap(([typeUrl, resources]) => resources.flatMap(({ name, resource }) => checkResource(typeUrl, resource).map((p) => `${name}: ${p}`)));
  assert.deepEqual(problems(gatewayResult), []);
  assert.deepEqual(problems(grpcResult), []);
});

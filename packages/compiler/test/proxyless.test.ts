/** Proxyless gRPC behaviours beyond the golden cases. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileResult } from '../src/index.js';
import { GRPC_NODE, objectsFrom, OPTIONS, service, stateOf, virtualService } from './support.js';

/** Compiles, and holds every resource to the Envoy protos on the way. */
function compile(documents: unknown[]): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), GRPC_NODE, OPTIONS);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  return result;
}

type Route = { name?: string; match: Record<string, unknown>; route?: Record<string, unknown> };

function routesOf(result: CompileResult, name: string): Route[] {
  const found = result.resources[TYPE_URL.route].find((r) => r.name === name);
  assert.ok(found, `route configuration ${name}`);
  const [virtualHost] = found.resource.virtual_hosts as { routes: Route[] }[];
  return virtualHost.routes;
}

const echo = service('demo', 'echo', [
  { name: 'grpc', port: 7070 },
  { name: 'grpc-alt', port: 7071 },
]);
const echoV2 = service('demo', 'echo-v2', [
  { name: 'grpc', port: 7070 },
  { name: 'grpc-alt', port: 7071 },
]);

test('a VirtualService replaces the default only on the ports it routes; a port-less destination takes the port being called', () => {
  const result = compile([
    echo,
    echoV2,
    virtualService('demo', 'echo', {
      hosts: ['echo'],
      http: [{ match: [{ uri: { prefix: '/echo.Echo/' }, port: 7070 }], route: [{ destination: { host: 'echo-v2' } }] }],
    }),
  ]);
  assert.deepEqual(routesOf(result, 'echo.demo.svc.cluster.local:7070'), [
    { match: { prefix: '/echo.Echo/' }, route: { cluster: 'outbound|7070||echo-v2.demo.svc.cluster.local' } },
  ]);
  assert.deepEqual(routesOf(result, 'echo.demo.svc.cluster.local:7071'), [
    { match: { prefix: '/' }, route: { cluster: 'outbound|7071||echo.demo.svc.cluster.local' } },
  ]);
  assert.deepEqual(result.diagnostics, []);
});

test('redirect and directResponse are skipped for gRPC clients with a warning (grpc-js would NACK them)', () => {
  const result = compile([
    echo,
    virtualService('demo', 'echo', {
      hosts: ['echo.demo.svc.cluster.local'],
      http: [
        { match: [{ uri: { exact: '/echo.Echo/Old' } }], redirect: { uri: '/echo.Echo/New' } },
        { match: [{ uri: { exact: '/echo.Echo/Gone' } }], directResponse: { status: 404 } },
        { route: [{ destination: { host: 'echo', port: { number: 7070 } } }] },
      ],
    }),
  ]);
  const routes = routesOf(result, 'echo.demo.svc.cluster.local:7070');
  assert.deepEqual(routes, [{ match: { prefix: '/' }, route: { cluster: 'outbound|7070||echo.demo.svc.cluster.local' } }]);
  assert.equal(result.diagnostics.length, 2);
  assert.ok(result.diagnostics.every((d) => d.object === 'VirtualService/demo/echo' && d.severity === 'warning'));
});

test('an exact-host VirtualService wins over a wildcard one; the wildcard serves the other Services', () => {
  const result = compile([
    service('demo', 'a', [{ name: 'grpc', port: 7070 }]),
    service('demo', 'b', [{ name: 'grpc', port: 7070 }]),
    virtualService('demo', 'wild', {
      hosts: ['*.demo.svc.cluster.local'],
      http: [{ match: [{ uri: { prefix: '/wild.' } }], route: [{ destination: { host: 'b' } }] }],
    }),
    virtualService('demo', 'exact', {
      hosts: ['a'],
      http: [{ match: [{ uri: { prefix: '/exact.' } }], route: [{ destination: { host: 'b' } }] }],
    }),
  ]);
  assert.deepEqual(routesOf(result, 'a.demo.svc.cluster.local:7070').map((r) => r.match), [{ prefix: '/exact.' }]);
  assert.deepEqual(routesOf(result, 'b.demo.svc.cluster.local:7070').map((r) => r.match), [{ prefix: '/wild.' }]);
});

test('a mesh VirtualService with no Service among its hosts is reported: no proxyless client can ask for it', () => {
  const result = compile([
    echo,
    virtualService('demo', 'external', { hosts: ['api.example.com'], http: [{ route: [{ destination: { host: 'echo', port: { number: 7070 } } }] }] }),
  ]);
  assert.deepEqual(result.diagnostics, [
    { severity: 'warning', object: 'VirtualService/demo/external', message: 'no host of api.example.com is a known Service; proxyless gRPC clients have no listener for it' },
  ]);
});

test('only clusters that routes use are sent, each once', () => {
  const result = compile([
    echo,
    echoV2,
    virtualService('demo', 'echo', { hosts: ['echo'], http: [{ route: [{ destination: { host: 'echo-v2' } }] }] }),
  ]);
  assert.deepEqual(
    result.resources[TYPE_URL.cluster].map((c) => c.name),
    ['outbound|7070||echo-v2.demo.svc.cluster.local', 'outbound|7071||echo-v2.demo.svc.cluster.local'],
  );
  assert.deepEqual(result.resources[TYPE_URL.endpoint].map((e) => e.name), result.resources[TYPE_URL.cluster].map((c) => c.name));
});

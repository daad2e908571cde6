/** Gateway behaviours beyond the golden cases, each on a small inline state. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { compileProxy, TYPE_URL, type CompileResult } from '../src/index.js';
import { gateway, httpServer, INGRESS_NODE, objectsFrom, OPTIONS, service, stateOf, virtualService } from './support.js';

/** Compiles, and holds every resource to the Envoy protos on the way. */
function compile(documents: unknown[], node = INGRESS_NODE): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), node, OPTIONS);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  return result;
}

type VirtualHost = { name: string; domains: string[]; routes: { name?: string; match: Record<string, unknown>; [key: string]: unknown }[]; require_tls?: string };

function virtualHosts(result: CompileResult, routeName: string): VirtualHost[] {
  const found = result.resources[TYPE_URL.route].find((r) => r.name === routeName);
  assert.ok(found, `route configuration ${routeName}`);
  return found.resource.virtual_hosts as VirtualHost[];
}

const web = service('default', 'web', [{ name: 'http', port: 80 }]);
const api = service('default', 'api', [{ name: 'http', port: 8080 }]);

test('a "*" virtual host that already ends in a catch-all gets no extra 404', () => {
  const result = compile([
    web,
    gateway('default', 'gw', [httpServer(80, ['*'])]),
    virtualService('default', 'all', { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ]);
  const hosts = virtualHosts(result, 'http.80');
  assert.deepEqual(hosts.map((vh) => vh.name), ['*:80']);
  assert.deepEqual(hosts[0].routes, [{ match: { prefix: '/' }, route: { cluster: 'outbound|80||web.default.svc.cluster.local' } }]);
});

test('a port with servers but no VirtualService answers 404 for everything', () => {
  const result = compile([gateway('default', 'gw', [httpServer(80, ['*'])])]);
  assert.deepEqual(virtualHosts(result, 'http.80'), [
    { name: 'blackhole:80', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 404 } }] },
  ]);
  assert.deepEqual(result.resources[TYPE_URL.cluster], []);
});

test('VirtualServices for one host are merged by namespace/name, each once, across Gateways on one port', () => {
  const result = compile([
    web,
    api,
    gateway('default', 'gw-a', [httpServer(80, ['shop.example.com'])]),
    gateway('default', 'gw-b', [httpServer(80, ['*.example.com'])]),
    virtualService('default', 'zz-web', { hosts: ['shop.example.com'], gateways: ['gw-a', 'gw-b'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
    virtualService('default', 'aa-api', {
      hosts: ['shop.example.com'],
      gateways: ['gw-a'],
      http: [{ match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'api' } }] }],
    }),
  ]);
  const [shop, blackhole] = virtualHosts(result, 'http.80');
  assert.equal(shop.name, 'shop.example.com:80');
  assert.deepEqual(
    shop.routes.map((r) => r.route),
    [{ cluster: 'outbound|8080||api.default.svc.cluster.local' }, { cluster: 'outbound|80||web.default.svc.cluster.local' }],
  );
  assert.equal(blackhole.name, 'blackhole:80');
  assert.deepEqual(result.resources[TYPE_URL.listener].map((l) => l.name), ['0.0.0.0_80']);
});

test('servers on several ports give one listener and one route configuration per port', () => {
  const result = compile([
    web,
    gateway('default', 'gw', [httpServer(8080, ['a.example.com']), httpServer(80, ['a.example.com'])]),
    virtualService('default', 'a', { hosts: ['a.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ]);
  assert.deepEqual(result.resources[TYPE_URL.listener].map((l) => l.name), ['0.0.0.0_80', '0.0.0.0_8080']);
  assert.deepEqual(result.resources[TYPE_URL.route].map((r) => r.name), ['http.80', 'http.8080']);
  assert.deepEqual(virtualHosts(result, 'http.8080')[0].domains, ['a.example.com', 'a.example.com:8080']);
});

test('httpsRedirect on an HTTP server makes its virtual hosts require TLS', () => {
  const result = compile([
    web,
    gateway('default', 'gw', [httpServer(80, ['a.example.com'], { tls: { httpsRedirect: true } })]),
    virtualService('default', 'a', { hosts: ['a.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ]);
  assert.equal(virtualHosts(result, 'http.80')[0].require_tls, 'ALL');
});

test('servers of protocols meshgate does not serve are reported and skipped, not half-compiled', () => {
  const result = compile([gateway('default', 'gw', [{ port: { number: 27017, name: 'mongo', protocol: 'MONGO' }, hosts: ['*'] }])]);
  assert.deepEqual(result.resources[TYPE_URL.listener], []);
  assert.deepEqual(result.diagnostics.map((d) => [d.severity, d.object]), [['warning', 'Gateway/default/gw']]);
  assert.match(result.diagnostics[0].message, /MONGO is not supported yet/);
});

test('match entries for another port, another gateway or other workloads are left out', () => {
  const result = compile([
    web,
    gateway('default', 'gw', [httpServer(80, ['a.example.com'])]),
    gateway('default', 'other', [httpServer(80, ['b.example.com'])], { istio: 'other' }),
    virtualService('default', 'a', {
      hosts: ['a.example.com'],
      gateways: ['gw', 'other'],
      http: [
        { match: [{ uri: { prefix: '/port' }, port: 8080 }], route: [{ destination: { host: 'web' } }] },
        { match: [{ uri: { prefix: '/gw' }, gateways: ['other'] }], route: [{ destination: { host: 'web' } }] },
        { match: [{ uri: { prefix: '/labels' }, sourceLabels: { istio: 'egressgateway' } }], route: [{ destination: { host: 'web' } }] },
        { match: [{ uri: { prefix: '/mine' }, sourceLabels: { istio: 'ingressgateway' }, gateways: ['gw'], port: 80 }], route: [{ destination: { host: 'web' } }] },
      ],
    }),
  ]);
  const [a] = virtualHosts(result, 'http.80');
  assert.deepEqual(a.routes.map((r) => r.match), [{ prefix: '/mine' }]);
});

test('a node whose labels select no Gateway gets nothing and no diagnostics', () => {
  const result = compile([web, gateway('default', 'gw', [httpServer(80, ['*'])])], { ...INGRESS_NODE, labels: { app: 'x' } });
  for (const list of Object.values(result.resources)) assert.deepEqual(list, []);
  assert.deepEqual(result.diagnostics, []);
});

test('an Envoy sidecar gets its outbound side, nothing of the Gateway; an egress gateway compiles like an ingress gateway', () => {
  const documents = [web, gateway('default', 'gw', [httpServer(80, ['*'])])];
  const sidecar = compile(documents, { ...INGRESS_NODE, role: 'sidecar' });
  assert.ok(sidecar.resources[TYPE_URL.listener].every((l) => l.name === 'virtualOutbound' || /^0\.0\.0\.0_\d+$/.test(l.name)));
  assert.ok(sidecar.resources[TYPE_URL.route].every((r) => /^\d+$/.test(r.name)), 'outbound route configurations are named by port');
  const egress = compile(documents, { ...INGRESS_NODE, role: 'egress-gateway' });
  assert.deepEqual(egress, compile(documents));
});

test('Gateway and VirtualService in different namespaces bind by namespace/name', () => {
  const result = compile([
    web,
    gateway('istio-system', 'public', [httpServer(80, ['*'])]),
    virtualService('default', 'wrong-ref', { hosts: ['a.example.com'], gateways: ['public'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
    virtualService('default', 'right-ref', { hosts: ['b.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ]);
  assert.deepEqual(virtualHosts(result, 'http.80').map((vh) => vh.name), ['b.example.com:80', 'blackhole:80']);
});

test('a rewrite becomes prefix_rewrite and host_rewrite_literal', () => {
  const result = compile([
    web,
    gateway('default', 'gw', [httpServer(80, ['a.example.com'])]),
    virtualService('default', 'a', {
      hosts: ['a.example.com'],
      gateways: ['gw'],
      http: [{ match: [{ uri: { prefix: '/old' } }], rewrite: { uri: '/new', authority: 'web.internal' }, route: [{ destination: { host: 'web' } }] }],
    }),
  ]);
  const [a] = virtualHosts(result, 'http.80');
  assert.deepEqual(a.routes[0].route, { cluster: 'outbound|80||web.default.svc.cluster.local', prefix_rewrite: '/new', host_rewrite_literal: 'web.internal' });
});

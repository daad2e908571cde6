/** `GET /v1/compile`: the compiled configuration for a described proxy, from the applied state. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTPBIN_ENDPOINTS, HTTPBIN_GATEWAY, HTTPBIN_SERVICE, HTTPBIN_VIRTUAL_SERVICE } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;

before(async () => {
  harness = await startHarness();
  const applied = await harness.inject({
    method: 'POST',
    url: '/v1/apply',
    headers: { 'content-type': 'application/yaml' },
    payload: [HTTPBIN_SERVICE, HTTPBIN_ENDPOINTS, HTTPBIN_GATEWAY, HTTPBIN_VIRTUAL_SERVICE].join('\n---\n'),
  });
  assert.equal(applied.statusCode, 200, applied.body);
});

after(() => harness.close());

test('an ingress gateway labelled istio=ingressgateway gets the seed 002 routes and a 404 for the rest', async () => {
  const response = await harness.inject({ method: 'GET', url: '/v1/compile?role=ingress-gateway&labels=istio=ingressgateway' });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  assert.deepEqual(body.resources.Listener.map((l: { name: string }) => l.name), ['0.0.0.0_80']);
  const [routeConfig] = body.resources.RouteConfiguration;
  const hosts = routeConfig.virtual_hosts.map((vh: { name: string }) => vh.name);
  assert.deepEqual(hosts, ['httpbin.example.com:80', 'blackhole:80']);
  const httpbin = routeConfig.virtual_hosts.find((vh: { name: string }) => vh.name === 'httpbin.example.com:80');
  assert.deepEqual(
    httpbin.routes.map((r: { match: { prefix: string }; route: { cluster: string } }) => [r.match.prefix, r.route.cluster]),
    [
      ['/status', 'outbound|8000||httpbin.default.svc.cluster.local'],
      ['/delay', 'outbound|8000||httpbin.default.svc.cluster.local'],
    ],
  );
  const blackhole = routeConfig.virtual_hosts.find((vh: { name: string }) => vh.name === 'blackhole:80');
  assert.equal(blackhole.routes[0].direct_response.status, 404);
  assert.deepEqual(body.diagnostics, []);
});

test('a proxy whose labels select no Gateway gets no listeners', async () => {
  const response = await harness.inject({ method: 'GET', url: '/v1/compile?role=ingress-gateway&labels=istio=egressgateway' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().resources.Listener, []);
});

test('malformed labels and unknown roles are 400s naming the parameter', async () => {
  const labels = await harness.inject({ method: 'GET', url: '/v1/compile?labels=novalue' });
  assert.equal(labels.statusCode, 400);
  assert.match(labels.json().message, /labels/);
  const role = await harness.inject({ method: 'GET', url: '/v1/compile?role=router' });
  assert.equal(role.statusCode, 400);
  assert.match(role.json().message, /role/);
});

test('a proxyless server described with its addresses gets a server listener per address and port', async () => {
  const response = await harness.inject({ method: 'GET', url: '/v1/compile?role=sidecar&client=grpc&namespace=default&labels=app=httpbin&ips=127.0.0.10' });
  assert.equal(response.statusCode, 200, response.body);
  const names = response.json().resources.Listener.map((l: { name: string }) => l.name);
  assert.ok(names.includes('grpc/server?xds.resource.listening_address=127.0.0.10:80'), names.join(', '));
  const bad = await harness.inject({ method: 'GET', url: '/v1/compile?client=grpc&ips=not-an-ip' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /ips/);
});

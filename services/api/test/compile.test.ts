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

test('a proxyless preview states its bootstrap certificate providers: a DestinationRule CA file is TLS with one, closed with a warning without', async () => {
  const applied = await harness.inject({
    method: 'POST',
    url: '/v1/apply',
    headers: { 'content-type': 'application/yaml' },
    payload: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: billing, namespace: default}
spec:
  hosts: [billing.external.example]
  ports: [{number: 7443, name: grpc, protocol: GRPC}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: billing, namespace: default}
spec:
  host: billing.external.example
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: /etc/billing/ca.pem}
`,
  });
  assert.equal(applied.statusCode, 200, applied.body);
  const clusterOf = (body: { resources: { Cluster: { name: string; transport_socket?: unknown; circuit_breakers?: unknown }[] } }) =>
    body.resources.Cluster.find((cluster) => cluster.name === 'outbound|7443||billing.external.example');

  const withInstance = await harness.inject({ method: 'GET', url: `/v1/compile?client=grpc&role=sidecar&namespace=default&certificateProvider=default&certificateProvider=${encodeURIComponent('file:ca=/etc/billing/ca.pem')}` });
  assert.equal(withInstance.statusCode, 200, withInstance.body);
  assert.deepEqual(withInstance.json().node.certificateProviders, ['default', 'file:ca=/etc/billing/ca.pem']);
  assert.ok(clusterOf(withInstance.json())?.transport_socket, 'TLS through the file instance');

  const without = await harness.inject({ method: 'GET', url: '/v1/compile?client=grpc&role=sidecar&namespace=default' });
  assert.equal(without.statusCode, 200, without.body);
  assert.equal(clusterOf(without.json())?.transport_socket, undefined);
  assert.deepEqual(clusterOf(without.json())?.circuit_breakers, { thresholds: [{ priority: 'DEFAULT', max_requests: { value: 0 } }] });
  assert.ok(
    without.json().diagnostics.some((d: { object: string; message: string }) => d.object === 'DestinationRule/default/billing' && /defines no certificate provider "file:ca=\/etc\/billing\/ca.pem"/.test(d.message)),
    JSON.stringify(without.json().diagnostics),
  );
});

/** `meshgate proxy-status` and `meshgate proxy-config` against a canned REST API. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

function typeStatus(sent: string | null, acked: string | null, nack: string | null = null) {
  return { subscribed: '*', sentVersion: sent, ackedVersion: acked, nack: nack === null ? null : { version: sent, nonce: '1', message: nack, at: '' }, synced: sent !== null && sent === acked };
}

const PROXIES = {
  items: [
    {
      id: 'ingress-1',
      node: { id: 'ingress-1', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'default', labels: {} },
      protocol: 'delta',
      connectedAt: '2025-01-01T00:00:00.000Z',
      version: 'envoy/1.31.0',
      types: {
        Cluster: typeStatus('a', 'a'),
        ClusterLoadAssignment: typeStatus('b', 'b'),
        Listener: typeStatus('c', 'x', 'duplicate listener name'),
        RouteConfiguration: typeStatus('d', null),
      },
    },
    {
      id: 'grpc-client',
      node: { id: 'grpc-client', role: 'sidecar', client: 'grpc', namespace: 'default', serviceAccount: 'default', labels: {} },
      connectedAt: '2025-01-01T00:00:01.000Z',
      types: { Listener: typeStatus(null, null) },
    },
  ],
};

const CONFIG = {
  Listener: [
    { name: 'listener_0', address: { socket_address: { address: '0.0.0.0', port_value: 8080 } } },
    { name: 'echo.demo.svc.cluster.local:7070', api_listener: {} },
  ],
  Cluster: [{ name: 'outbound|80||httpbin.default.svc.cluster.local' }, { name: 'outbound|8000||httpbin.default.svc.cluster.local' }, { name: 'outbound|80||echo.demo.svc.cluster.local' }],
  ClusterLoadAssignment: [{ cluster_name: 'outbound|80||httpbin.default.svc.cluster.local' }, { cluster_name: 'outbound|80||echo.demo.svc.cluster.local' }],
  RouteConfiguration: [
    { name: 'http.80', virtual_hosts: [{ name: 'httpbin.example.com:80', domains: ['httpbin.example.com', 'httpbin.example.com:*'] }, { name: 'blackhole:80', domains: ['*'] }] },
    { name: 'http.8080', virtual_hosts: [{ name: 'other:8080', domains: ['other.example.com'] }] },
  ],
};

describe('meshgate proxy-status and proxy-config', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: CannedServer;

  before(async () => {
    server = await CannedServer.start({
      'GET /v1/proxies': { json: PROXIES },
      'GET /v1/proxies/ingress-1/config': { json: CONFIG },
      'GET /v1/proxies/gone/config': { status: 404, json: { code: 'MG_ERR_NOT_FOUND', message: 'no proxy "gone" is connected' } },
    });
  });

  after(() => server.close());

  it('shows per proxy and type whether the latest configuration was accepted, and the rejections', async () => {
    const result = await runCli(['proxy-status'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      [
        'ID            ROLE              CLIENT   NAMESPACE      XDS     CDS      LDS        EDS      RDS     SDS   VERSION',
        'ingress-1     ingress-gateway   envoy    istio-system   DELTA   SYNCED   NACK       SYNCED   STALE   -     envoy/1.31.0',
        'grpc-client   sidecar           grpc     default        SOTW    -        NOT SENT   -        -       -     -',
        '',
        'ingress-1 rejected Listener: duplicate listener name',
        '',
      ].join('\n'),
    );
  });

  it('shows one type of a proxy configuration as YAML', async () => {
    const result = await runCli(['proxy-config', 'ingress-1', '--type', 'listener', '-o', 'yaml'], { server: server.url });
    assert.equal(result.code, 0);
    assert.deepEqual(parse(result.stdout), CONFIG.Listener);
  });

  it('shows the whole configuration as JSON by default', async () => {
    const result = await runCli(['proxy-config', 'ingress-1'], { server: server.url });
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), CONFIG);
  });

  it('exits 1 for a proxy that is not connected', async () => {
    const result = await runCli(['proxy-config', 'gone'], { server: server.url });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: no proxy "gone" is connected (MG_ERR_NOT_FOUND; server ${server.url})\n`);
  });

  it('takes the type first, as istioctl does, and filters clusters by --fqdn and --port', async () => {
    const byFqdn = await runCli(['proxy-config', 'cluster', 'ingress-1', '--fqdn', 'httpbin.default.svc.cluster.local'], { server: server.url });
    assert.equal(byFqdn.code, 0, byFqdn.stderr);
    assert.deepEqual(JSON.parse(byFqdn.stdout), [CONFIG.Cluster[0], CONFIG.Cluster[1]]);
    const both = await runCli(['proxy-config', 'clusters', 'ingress-1', '--fqdn', 'httpbin.default.svc.cluster.local', '--port', '8000'], { server: server.url });
    assert.deepEqual(JSON.parse(both.stdout), [CONFIG.Cluster[1]]);
    const endpoints = await runCli(['proxy-config', 'endpoint', 'ingress-1', '--port', '80', '--fqdn', 'echo.demo.svc.cluster.local'], { server: server.url });
    assert.deepEqual(JSON.parse(endpoints.stdout), [CONFIG.ClusterLoadAssignment[1]]);
  });

  it('filters listeners by port and route configurations by port and by the domains of their virtual hosts', async () => {
    const listeners = await runCli(['proxy-config', 'listener', 'ingress-1', '--port', '7070'], { server: server.url });
    assert.deepEqual(JSON.parse(listeners.stdout), [CONFIG.Listener[1]]);
    const routes = await runCli(['proxy-config', 'route', 'ingress-1', '--fqdn', 'httpbin.example.com'], { server: server.url });
    assert.deepEqual(JSON.parse(routes.stdout), [{ name: 'http.80', virtual_hosts: [CONFIG.RouteConfiguration[0].virtual_hosts[0]] }]);
    const byPort = await runCli(['proxy-config', 'route', 'ingress-1', '--port', '8080'], { server: server.url });
    assert.deepEqual(JSON.parse(byPort.stdout), [CONFIG.RouteConfiguration[1]]);
  });

  it('refuses filters without a type, a filter on secrets, and an unknown type word', async () => {
    const untyped = await runCli(['proxy-config', 'ingress-1', '--port', '80'], { server: server.url });
    assert.equal(untyped.code, 1);
    assert.match(untyped.stderr, /--fqdn and --port filter one type/);
    const secret = await runCli(['proxy-config', 'secret', 'ingress-1', '--port', '80'], { server: server.url });
    assert.equal(secret.code, 1);
    assert.match(secret.stderr, /do not apply to Secret/);
    const unknown = await runCli(['proxy-config', 'clusterz', 'ingress-1'], { server: server.url });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /"clusterz" is not a configuration type/);
  });

  it('asks for the configuration at a log position with --at', async () => {
    const result = await runCli(['proxy-config', 'listener', 'ingress-1', '--at', '42'], { server: server.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.requests.at(-1)?.query.get('at'), '42');
  });
});

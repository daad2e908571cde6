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
  Listener: [{ name: 'listener_0', address: { socket_address: { address: '0.0.0.0', port_value: 8080 } } }],
  Cluster: [{ name: 'outbound|80||httpbin.default.svc.cluster.local' }],
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
        'ID            ROLE              CLIENT   NAMESPACE      XDS     CDS      LDS        EDS      RDS     SDS',
        'ingress-1     ingress-gateway   envoy    istio-system   DELTA   SYNCED   NACK       SYNCED   STALE   -',
        'grpc-client   sidecar           grpc     default        SOTW    -        NOT SENT   -        -       -',
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
});

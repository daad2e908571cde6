/** `meshgate compile` against a canned REST API. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

const COMPILED = {
  sequence: 4,
  resources: {
    Listener: [{ name: '0.0.0.0_80' }],
    RouteConfiguration: [{ name: 'http.80', virtual_hosts: [{ name: 'httpbin.example.com:80' }] }],
    Cluster: [],
    ClusterLoadAssignment: [],
  },
  diagnostics: [{ severity: 'warning', object: 'VirtualService/default/httpbin', message: 'host httpbin2 is not a known service' }],
};

describe('meshgate compile', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: CannedServer;

  before(async () => {
    server = await CannedServer.start({ 'GET /v1/compile': { json: COMPILED } });
  });

  after(() => server.close());

  it('asks for the described proxy and prints the resources as YAML, diagnostics on stderr', async () => {
    const result = await runCli(['compile', '--labels', 'istio=ingressgateway'], { server: server.url });
    assert.equal(result.code, 0, result.stderr);
    const request = server.requests.at(-1);
    assert.equal(request?.query.get('role'), 'ingress-gateway');
    assert.equal(request?.query.get('client'), 'envoy');
    assert.equal(request?.query.get('labels'), 'istio=ingressgateway');
    assert.deepEqual(parse(result.stdout), COMPILED.resources);
    assert.equal(result.stderr, 'warning: VirtualService/default/httpbin: host httpbin2 is not a known service\n');
  });

  it('prints one type with --type', async () => {
    const result = await runCli(['compile', '--client', 'grpc', '--role', 'sidecar', '--ips', '10.0.0.7', '-t', 'route', '-o', 'json'], { server: server.url });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), COMPILED.resources.RouteConfiguration);
    assert.equal(server.requests.at(-1)?.query.get('client'), 'grpc');
    assert.equal(server.requests.at(-1)?.query.get('ips'), '10.0.0.7');
  });
});

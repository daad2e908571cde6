/** `meshgate get` and `meshgate delete` against a canned REST API. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

const HTTPBIN_VS = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin', namespace: 'default', labels: {}, annotations: {} },
  spec: { hosts: ['httpbin.example.com'], gateways: ['default/ingress'], http: [], exportTo: [] },
};
const BOOKS_VS = {
  ...HTTPBIN_VS,
  metadata: { ...HTTPBIN_VS.metadata, name: 'bookstore' },
  spec: { ...HTTPBIN_VS.spec, hosts: ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'], gateways: ['mesh'] },
};
const GATEWAY = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: { name: 'ingress', namespace: 'istio-system', labels: {}, annotations: {} },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] },
    ],
  },
};
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', namespace: '', labels: { 'openservicemesh.io/monitored-by': 'osm' }, annotations: {} } };

describe('meshgate get', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: CannedServer;

  before(async () => {
    server = await CannedServer.start({
      'GET /v1/resources/VirtualService/default': { json: { items: [HTTPBIN_VS, BOOKS_VS], sequence: 9 } },
      'GET /v1/resources/VirtualService/default/httpbin': { json: HTTPBIN_VS },
      'GET /v1/resources/VirtualService/default/nope': { status: 404, json: { code: 'MG_ERR_NOT_FOUND', message: 'VirtualService default/nope not found' } },
      'GET /v1/resources/VirtualService/empty': { json: { items: [], sequence: 9 } },
      'GET /v1/resources/Gateway': { json: { items: [GATEWAY], sequence: 9 } },
      'GET /v1/resources/Namespace': { json: { items: [NAMESPACE], sequence: 9 } },
      'DELETE /v1/resources/VirtualService/shop/httpbin': {
        json: { sequence: 10, result: { kind: 'VirtualService', namespace: 'shop', name: 'httpbin', action: 'deleted' } },
      },
      'DELETE /v1/resources/Gateway/default/nope': { status: 404, json: { code: 'MG_ERR_NOT_FOUND', message: 'Gateway default/nope not found' } },
    });
  });

  after(() => server.close());

  it('prints a table with hosts and gateways for VirtualServices of the default namespace', async () => {
    const result = await runCli(['get', 'vs'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      [
        'NAMESPACE   NAME        HOSTS                                                   GATEWAYS',
        'default     httpbin     httpbin.example.com                                     default/ingress',
        'default     bookstore   a.example.com,b.example.com,c.example.com + 1 more...   mesh',
        '',
      ].join('\n'),
    );
  });

  it('lists every namespace with -A, with selector and ports for Gateways', async () => {
    const result = await runCli(['get', 'gateways', '-A'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      ['NAMESPACE      NAME      SELECTOR               PORTS', 'istio-system   ingress   istio=ingressgateway   80/HTTP,443/HTTPS', ''].join('\n'),
    );
    assert.equal(server.requests.at(-1)?.path, '/v1/resources/Gateway');
  });

  it('lists a cluster-scoped kind without a namespace column', async () => {
    const result = await runCli(['get', 'ns'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'NAME      LABELS\nhttpbin   openservicemesh.io/monitored-by=osm\n');
  });

  it('prints one object as YAML', async () => {
    const result = await runCli(['get', 'VirtualService', 'httpbin', '-o', 'yaml'], { server: server.url });
    assert.equal(result.code, 0);
    assert.deepEqual(parse(result.stdout), HTTPBIN_VS);
  });

  it('prints a list as a JSON List that apply accepts back', async () => {
    const result = await runCli(['get', 'virtualservices', '-o', 'json'], { server: server.url });
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), { apiVersion: 'v1', kind: 'List', items: [HTTPBIN_VS, BOOKS_VS] });
  });

  it('says so on stderr when nothing is found, keeping stdout empty', async () => {
    const result = await runCli(['get', 'vs', '-n', 'empty'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'No resources found in empty namespace.\n');
  });

  it('exits 1 with the server message for an object that does not exist', async () => {
    const result = await runCli(['get', 'vs', 'nope'], { server: server.url });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `error: VirtualService default/nope not found (MG_ERR_NOT_FOUND; server ${server.url})\n`);
  });

  it('refuses a name together with --all-namespaces', async () => {
    const result = await runCli(['get', 'vs', 'httpbin', '-A'], { server: server.url });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: a name cannot be combined with --all-namespaces\n');
  });

  it('deletes one object and prints it kubectl style', async () => {
    const result = await runCli(['delete', 'vs', 'httpbin', '-n', 'shop'], { server: server.url });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'virtualservice.networking.istio.io "httpbin" deleted\n');
    assert.equal(server.requests.at(-1)?.method, 'DELETE');
  });

  it('exits 1 when the object to delete does not exist', async () => {
    const result = await runCli(['delete', 'gw', 'nope'], { server: server.url });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: Gateway default/nope not found (MG_ERR_NOT_FOUND; server ${server.url})\n`);
  });
});

/**
 * History on a log with known events: `GET /v1/history/diff`, `GET /v1/history/blame/...`,
 * `?at=` on the proxy config and compile, and the dry-run apply's per-proxy xDS diff.
 *
 * The log, one event per object:
 *   1 Namespace default   2 Service httpbin   3 Endpoints httpbin (10.244.1.17)
 *   4 Gateway httpbin-gateway   5 VirtualService httpbin (/status, /delay)
 *   6 Endpoints httpbin → 10.244.1.18 (source: api)
 *   7 VirtualService httpbin: /delay → /anything
 *   8 Gateway httpbin-gateway deleted
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HTTPBIN_DOCUMENTS, HTTPBIN_ENDPOINTS, HTTPBIN_VIRTUAL_SERVICE } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

const CLUSTER = 'outbound|8000||httpbin.default.svc.cluster.local';
const GATEWAY_NODE = { id: 'ingress-1', role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'default', labels: { istio: 'ingressgateway' }, ips: [] };
const OTHER_NODE = { id: 'egress-1', role: 'egress-gateway', client: 'envoy', namespace: 'istio-system', serviceAccount: 'default', labels: { istio: 'egressgateway' }, ips: [] };
/** What the xds service reports of its proxies (GET /v1/proxies items). */
const PROXIES = { list: () => [GATEWAY_NODE, OTHER_NODE].map((node) => ({ id: node.id, node, connectedAt: '', types: {} })), config: () => undefined };

const ENDPOINTS_18 = HTTPBIN_ENDPOINTS.replace('10.244.1.17', '10.244.1.18');
const VS_ANYTHING = HTTPBIN_VIRTUAL_SERVICE.replace('/delay', '/anything');

let harness: Harness;

async function apply(yaml: string, query = ''): Promise<Record<string, unknown>> {
  const response = await harness.inject({ method: 'POST', url: `/v1/apply${query}`, headers: { 'content-type': 'application/yaml' }, payload: yaml });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function get(url: string, status = 200): Promise<Record<string, unknown>> {
  const response = await harness.inject({ method: 'GET', url });
  assert.equal(response.statusCode, status, response.body);
  return response.json();
}

before(async () => {
  harness = await startHarness({ proxies: PROXIES });
  await apply(HTTPBIN_DOCUMENTS.join('---\n'));
  await apply(ENDPOINTS_18);
  await apply(VS_ANYTHING);
  const deleted = await harness.inject({ method: 'DELETE', url: '/v1/resources/gateways/default/httpbin-gateway' });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(await harness.store.headSequence(), 8);
});

after(() => harness.close());

describe('diff', () => {
  test('from 0 to 5: the five objects added', async () => {
    const body = await get('/v1/history/diff?from=0&to=5');
    assert.deepEqual(body.objects, [
      { kind: 'Namespace', namespace: '', name: 'default', change: 'added' },
      { kind: 'Service', namespace: 'default', name: 'httpbin', change: 'added' },
      { kind: 'Endpoints', namespace: 'default', name: 'httpbin', change: 'added' },
      { kind: 'Gateway', namespace: 'default', name: 'httpbin-gateway', change: 'added' },
      { kind: 'VirtualService', namespace: 'default', name: 'httpbin', change: 'added' },
    ]);
  });

  test('from 5 to 7: the endpoint address and the route prefix, field by field, and what the gateway proxy gets', async () => {
    const body = await get('/v1/history/diff?from=5&to=7');
    assert.deepEqual(body.objects, [
      { kind: 'Endpoints', namespace: 'default', name: 'httpbin', change: 'changed', fields: [{ op: 'changed', path: 'subsets[0].addresses[0].ip', from: '10.244.1.17', to: '10.244.1.18' }] },
      { kind: 'VirtualService', namespace: 'default', name: 'httpbin', change: 'changed', fields: [{ op: 'changed', path: 'spec.http[0].match[1].uri.prefix', from: '/delay', to: '/anything' }] },
    ]);
    assert.equal(body.proxiesCompared, 2);
    // The egress gateway selects no Gateway: nothing differs for it, so it is not listed.
    assert.deepEqual(proxyChanges(body), {
      'ingress-1': [
        { type: 'RouteConfiguration', name: 'http.80', change: 'changed', fields: [{ op: 'changed', path: 'virtual_hosts[0].routes[1].match.prefix', from: '/delay', to: '/anything' }] },
        {
          type: 'ClusterLoadAssignment',
          name: CLUSTER,
          change: 'changed',
          fields: [{ op: 'changed', path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', from: '10.244.1.17', to: '10.244.1.18' }],
        },
      ],
    });
  });

  test('from 7 to the head: the Gateway removed, and the gateway proxy loses its listener, route, cluster and endpoints', async () => {
    const body = await get('/v1/history/diff?from=7');
    assert.equal(body.to, 8);
    assert.deepEqual(body.objects, [{ kind: 'Gateway', namespace: 'default', name: 'httpbin-gateway', change: 'removed' }]);
    assert.deepEqual(proxyChanges(body), {
      'ingress-1': [
        { type: 'Listener', name: '0.0.0.0_80', change: 'removed' },
        { type: 'RouteConfiguration', name: 'http.80', change: 'removed' },
        { type: 'Cluster', name: CLUSTER, change: 'removed' },
        { type: 'ClusterLoadAssignment', name: CLUSTER, change: 'removed' },
      ],
    });
  });

  test('backwards (from 8 to 7) is the same change the other way', async () => {
    const body = await get('/v1/history/diff?from=8&to=7');
    assert.deepEqual(body.objects, [{ kind: 'Gateway', namespace: 'default', name: 'httpbin-gateway', change: 'added' }]);
  });

  test('a position past the head is refused, naming the head', async () => {
    const body = await get('/v1/history/diff?from=2&to=99', 400);
    assert.equal(body.message, 'to 99 is past the head of the log (8)');
    await get('/v1/history/diff?to=3', 400);
  });
});

describe('blame', () => {
  test('the VirtualService: created at 5, its prefix changed at 7, by the api', async () => {
    const body = await get('/v1/history/blame/virtualservices/default/httpbin');
    assert.equal(body.exists, true);
    const entries = stripTimes(body.entries);
    assert.deepEqual(entries, [
      { sequence: 5, type: 'ResourceApplied', source: 'api', action: 'created' },
      { sequence: 7, type: 'ResourceApplied', source: 'api', action: 'configured', fields: [{ op: 'changed', path: 'spec.http[0].match[1].uri.prefix', from: '/delay', to: '/anything' }] },
    ]);
  });

  test('the deleted Gateway: created at 4, deleted at 8, no longer in the state', async () => {
    const body = await get('/v1/history/blame/gateways/default/httpbin-gateway');
    assert.equal(body.exists, false);
    assert.deepEqual(stripTimes(body.entries), [
      { sequence: 4, type: 'ResourceApplied', source: 'api', action: 'created' },
      { sequence: 8, type: 'ResourceDeleted', source: 'api', action: 'deleted' },
    ]);
  });

  test('an object the log never saw is a 404; an unknown kind a 400', async () => {
    await get('/v1/history/blame/virtualservices/default/nothing', 404);
    await get('/v1/history/blame/widgets/default/httpbin', 400);
  });
});

describe('at a log position', () => {
  test('proxy config at 5 and at 6 differ in the endpoint address; the header names the position', async () => {
    const response = await harness.inject({ method: 'GET', url: '/v1/proxies/ingress-1/config?at=5' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['x-meshgate-sequence'], '5');
    assert.deepEqual(endpointAddresses(response.json()), ['10.244.1.17']);
    assert.deepEqual(endpointAddresses(await get('/v1/proxies/ingress-1/config?at=6')), ['10.244.1.18']);
    // At 8 the Gateway is gone: no listener.
    assert.deepEqual((await get('/v1/proxies/ingress-1/config?at=8')).Listener, []);
  });

  test('proxy config at a position for a proxy that is not connected is a 404', async () => {
    await get('/v1/proxies/nobody/config?at=5', 404);
  });

  test('compile at 4 (before the VirtualService): only the blackhole route', async () => {
    const body = await get('/v1/compile?role=ingress-gateway&labels=istio=ingressgateway&at=4');
    assert.equal(body.sequence, 4);
    const resources = body.resources as { RouteConfiguration: { virtual_hosts: { name: string }[] }[] };
    assert.deepEqual(resources.RouteConfiguration[0].virtual_hosts.map((vh) => vh.name), ['blackhole:80']);
  });
});

describe('dry-run apply', () => {
  test('shows the objects and, per proxy, the xDS resources that would change, and writes nothing', async () => {
    const body = await apply(HTTPBIN_ENDPOINTS.replace('10.244.1.17', '10.244.1.99'), '?dryRun=true');
    assert.equal(body.dryRun, true);
    assert.deepEqual(body.results, [{ kind: 'Endpoints', namespace: 'default', name: 'httpbin', action: 'configured' }]);
    assert.deepEqual(body.objects, [
      { kind: 'Endpoints', namespace: 'default', name: 'httpbin', change: 'changed', fields: [{ op: 'changed', path: 'subsets[0].addresses[0].ip', from: '10.244.1.18', to: '10.244.1.99' }] },
    ]);
    // The Gateway is deleted at the head, so no proxy routes to httpbin: nothing would change for any.
    assert.deepEqual(body.proxies, []);
    assert.equal(body.proxiesCompared, 2);
    assert.equal(await harness.store.headSequence(), 8);
  });

  test('re-creating the Gateway, dry: the gateway proxy would get its listener back', async () => {
    const gateway = HTTPBIN_DOCUMENTS[3];
    const body = await apply(gateway, '?dryRun=true');
    assert.deepEqual(proxyChanges(body), {
      'ingress-1': [
        { type: 'Listener', name: '0.0.0.0_80', change: 'added' },
        { type: 'RouteConfiguration', name: 'http.80', change: 'added' },
        { type: 'Cluster', name: CLUSTER, change: 'added' },
        { type: 'ClusterLoadAssignment', name: CLUSTER, change: 'added' },
      ],
    });
    assert.equal(await harness.store.headSequence(), 8);
  });
});

describe('apply warnings', () => {
  test('an IngressBackend that an earlier one already claims is applied and warned about; the first is not', async () => {
    const backend = (name: string) => `apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata:
  name: ${name}
  namespace: default
spec:
  backends:
  - name: httpbin
    port:
      number: 80
      protocol: http
  sources:
  - kind: Service
    name: ingress-nginx-controller
    namespace: ingress-nginx
`;
    const dry = await apply(backend('second'), '?dryRun=true');
    assert.deepEqual(dry.warnings, []);
    const first = await apply(backend('first'));
    assert.deepEqual(first.warnings, []);
    const second = await apply(backend('second'));
    assert.deepEqual(second.warnings, ['IngressBackend default/second is rejected: conflicts with IngressBackend default/first on backend httpbin:80']);
  });
});

function proxyChanges(body: Record<string, unknown>): Record<string, unknown> {
  const proxies = body.proxies as { id: string; changes: unknown }[];
  return Object.fromEntries(proxies.map((proxy) => [proxy.id, proxy.changes]));
}

function stripTimes(entries: unknown): unknown[] {
  return (entries as Record<string, unknown>[]).map(({ recordedAt, ...rest }) => {
    assert.match(String(recordedAt), /^\d{4}-\d\d-\d\dT/);
    return rest;
  });
}

function endpointAddresses(config: Record<string, unknown>): string[] {
  const assignments = config.ClusterLoadAssignment as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] }[];
  return assignments.flatMap((a) => a.endpoints.flatMap((e) => e.lb_endpoints.map((lb) => lb.endpoint.address.socket_address.address)));
}

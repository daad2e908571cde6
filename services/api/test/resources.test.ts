import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HTTPBIN_YAML, yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface MeshObjectBody {
  kind: string;
  metadata: { name: string; namespace: string };
}
interface ListBody {
  items: MeshObjectBody[];
  sequence: number;
}

function names(body: ListBody): string[] {
  return body.items.map((item) => `${item.kind}/${item.metadata.namespace}/${item.metadata.name}`);
}

describe('/v1/resources', () => {
  let h: Harness;
  let appliedAt: number;
  before(async () => {
    h = await startHarness({ consumeChanges: false });
    const applied = await h.inject(yamlRequest(`${HTTPBIN_YAML}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: web\nspec:\n  ports:\n  - port: 80\n`));
    assert.equal(applied.statusCode, 200, applied.body);
    appliedAt = applied.json<{ sequence: number }>().sequence;
  });
  after(async () => {
    await h.close();
  });

  it('lists everything, sorted by kind, namespace and name, with the sequence', async () => {
    const response = await h.inject({ method: 'GET', url: '/v1/resources' });
    assert.equal(response.statusCode, 200);
    const body = response.json<ListBody>();
    assert.equal(body.sequence, appliedAt);
    assert.equal(response.headers['x-meshgate-sequence'], String(appliedAt));
    assert.deepEqual(names(body), [
      'Namespace//default',
      'Namespace//web',
      'Service/default/httpbin',
      'Service/web/api',
      'Endpoints/default/httpbin',
      'Gateway/default/httpbin-gateway',
      'VirtualService/default/httpbin',
    ]);
  });

  it('lists one kind, spelled as the kind, lowercase or plural', async () => {
    for (const kind of ['Service', 'service', 'services', 'SERVICES']) {
      const response = await h.inject({ method: 'GET', url: `/v1/resources/${kind}` });
      assert.equal(response.statusCode, 200, kind);
      assert.deepEqual(names(response.json<ListBody>()), ['Service/default/httpbin', 'Service/web/api'], kind);
    }
    for (const [kind, expected] of [
      ['virtualservices', 'VirtualService/default/httpbin'],
      ['gateways', 'Gateway/default/httpbin-gateway'],
      ['endpoints', 'Endpoints/default/httpbin'],
    ]) {
      const response = await h.inject({ method: 'GET', url: `/v1/resources/${kind}` });
      assert.deepEqual(names(response.json<ListBody>()), [expected], kind);
    }
    for (const kind of ['endpointslices', 'pods']) {
      const response = await h.inject({ method: 'GET', url: `/v1/resources/${kind}` });
      assert.equal(response.statusCode, 200, kind);
      assert.deepEqual(response.json<ListBody>().items, [], kind);
    }
  });

  it('lists one kind in one namespace; `_` is the namespace of cluster-scoped kinds', async () => {
    const web = await h.inject({ method: 'GET', url: '/v1/resources/services/web' });
    assert.deepEqual(names(web.json<ListBody>()), ['Service/web/api']);
    const namespaces = await h.inject({ method: 'GET', url: '/v1/resources/namespaces/_' });
    assert.deepEqual(names(namespaces.json<ListBody>()), ['Namespace//default', 'Namespace//web']);
    const none = await h.inject({ method: 'GET', url: '/v1/resources/services/nowhere' });
    assert.equal(none.statusCode, 200);
    assert.deepEqual(none.json<ListBody>().items, []);
  });

  it('gets one object, and answers 404 for a missing one', async () => {
    const gateway = await h.inject({ method: 'GET', url: '/v1/resources/gateway/default/httpbin-gateway' });
    assert.equal(gateway.statusCode, 200);
    const body = gateway.json<MeshObjectBody & { spec: { servers: { port: { number: number } }[] } }>();
    assert.equal(body.kind, 'Gateway');
    assert.equal(body.spec.servers[0].port.number, 80);

    const namespace = await h.inject({ method: 'GET', url: '/v1/resources/Namespace/_/web' });
    assert.equal(namespace.statusCode, 200);
    assert.equal(namespace.json<MeshObjectBody>().metadata.namespace, '');

    const missing = await h.inject({ method: 'GET', url: '/v1/resources/services/default/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ code: string }>().code, 'MG_ERR_NOT_FOUND');
    assert.match(missing.json<{ message: string }>().message, /Service default\/nope/);
  });

  it('answers 400 naming an unknown kind', async () => {
    for (const url of ['/v1/resources/cronjobs', '/v1/resources/cronjobs/default', '/v1/resources/cronjobs/default/web']) {
      const response = await h.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.json<{ code: string }>().code, 'MG_ERR_UNKNOWN_KIND');
      assert.match(response.json<{ message: string }>().message, /"cronjobs"/);
      assert.match(response.json<{ message: string }>().message, /ingressbackends, ingresses, ingressclasses, meshconfigs/);
    }
    const deletion = await h.inject({ method: 'DELETE', url: '/v1/resources/cronjobs/default/web' });
    assert.equal(deletion.statusCode, 400);
  });

  it('deletes an object: an event, then 404 on read and on a second delete', async () => {
    const before = await h.store.countEvents();
    const response = await h.inject({ method: 'DELETE', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<{ sequence: number; result: Record<string, string> }>();
    assert.deepEqual(body.result, { kind: 'VirtualService', namespace: 'default', name: 'httpbin', action: 'deleted' });
    assert.equal(await h.store.countEvents(), before + 1);
    const [event] = await h.store.readAfter(body.sequence - 1);
    assert.equal(event.type, 'ResourceDeleted');
    assert.deepEqual(event.data, { ref: { kind: 'VirtualService', namespace: 'default', name: 'httpbin' }, source: 'api' });

    const read = await h.inject({ method: 'GET', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.equal(read.statusCode, 404, 'the deletion is visible as soon as DELETE answers');
    const again = await h.inject({ method: 'DELETE', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json<{ code: string }>().code, 'MG_ERR_NOT_FOUND');
    assert.equal(await h.store.countEvents(), before + 1);
  });

  it('deletes a cluster-scoped object by `_`', async () => {
    const response = await h.inject({ method: 'DELETE', url: '/v1/resources/namespaces/_/web' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json<{ result: Record<string, string> }>().result, { kind: 'Namespace', namespace: '', name: 'web', action: 'deleted' });
    const listed = await h.inject({ method: 'GET', url: '/v1/resources/namespaces' });
    assert.deepEqual(names(listed.json<ListBody>()), ['Namespace//default']);
  });

  it('answers an unknown route with MG_ERR_NO_ROUTE', async () => {
    const response = await h.inject({ method: 'GET', url: '/v2/things' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<{ code: string }>().code, 'MG_ERR_NO_ROUTE');
  });
});

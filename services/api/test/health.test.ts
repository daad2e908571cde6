import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { digestOf, objectKey, validateDocument } from '@meshgate/model';
import { startHarness, storeWithOverrides, type Harness } from './harness.js';

/** The real store behind a switch that makes `headSequence` fail, as when the database is unreachable. */
function switchableStore(store: EventStore): { store: EventStore; setDown: (down: boolean) => void } {
  let down = false;
  const switchable = storeWithOverrides(store, {
    headSequence: async () => {
      if (down) throw new Error('connection refused (injected)');
      return store.headSequence();
    },
  });
  return { store: switchable, setDown: (value) => (down = value) };
}

async function storeWithOneNamespace(): Promise<EventStore> {
  const store = await openEventStore({ memory: true });
  const validated = validateDocument({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'preloaded' } });
  assert.ok(validated.valid);
  await store.append([{ streamId: objectKey(validated.value), type: 'ResourceApplied', data: { object: validated.value, digest: digestOf(validated.value), source: 'test' } }]);
  return store;
}

describe('health, metrics and docs', () => {
  let h: Harness;
  let setStoreDown: (down: boolean) => void;
  before(async () => {
    const switchable = switchableStore(await storeWithOneNamespace());
    setStoreDown = switchable.setDown;
    h = await startHarness({ store: switchable.store, startFollower: false, consumeChanges: false });
  });
  after(async () => {
    await h.close();
    await h.store.close();
  });

  it('/healthz answers 200', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  it('/readyz answers 503 until the follower has loaded the log, then 200, and 503 while the store is down', async () => {
    const loading = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(loading.statusCode, 503, loading.body);
    assert.match(loading.json<{ follower: string }>().follower, /^loading/);

    await h.follower.start();
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json(), { ready: true, failed: [], store: 'ok', bus: 'ok', follower: 'ok', head: 1, sequence: 1 });

    setStoreDown(true);
    try {
      const down = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(down.statusCode, 503);
      assert.match(down.json<{ store: string }>().store, /connection refused/);
      assert.deepEqual(down.json<{ failed: string[] }>().failed, ['store']);
    } finally {
      setStoreDown(false);
    }
  });

  it('/metrics serves the registry with its content type, including request counts by route', async () => {
    await h.inject({ method: 'GET', url: '/v1/resources/namespaces' });
    const response = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], h.registry.contentType);
    assert.match(response.body, /meshgate_api_requests_total\{route="\/v1\/resources\/:kind",method="GET",status="200"\} 1/);
    assert.match(response.body, /meshgate_api_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/resources\/:kind",method="GET"\}/);
  });

  it('/docs/json is the OpenAPI document with the api paths', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(response.statusCode, 200);
    const document = response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    assert.match(document.openapi, /^3\./);
    assert.ok(document.paths['/v1/apply']?.post, 'POST /v1/apply is documented');
    assert.ok(document.paths['/v1/resources/{kind}/{namespace}/{name}']?.delete);
    assert.ok(document.paths['/v1/events']?.get);
  });

  it('/docs serves the Swagger UI page and its assets', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /swagger-ui/);
    const css = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });
});

describe('/v1/proxies', () => {
  let store: EventStore;
  before(async () => {
    store = await openEventStore({ memory: true });
  });
  after(async () => {
    await store.close();
  });

  it('answers 503 when no xds service runs alongside', async () => {
    const h = await startHarness({ store, consumeChanges: false });
    try {
      for (const url of ['/v1/proxies', '/v1/proxies/sidecar-1/config']) {
        const response = await h.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 503, url);
        assert.equal(response.json<{ code: string }>().code, 'MG_ERR_XDS_UNAVAILABLE');
      }
    } finally {
      await h.close();
    }
  });

  it('lists proxies and serves one proxy\'s config from the source given; 404 for an unknown id', async () => {
    const configs = new Map<string, unknown>([['gateway-1', { listeners: [{ name: '0.0.0.0_80' }] }]]);
    const h = await startHarness({
      store,
      consumeChanges: false,
      proxies: {
        list: async () => [{ id: 'gateway-1', role: 'ingress-gateway' }],
        config: (id) => configs.get(id),
      },
    });
    try {
      const list = await h.inject({ method: 'GET', url: '/v1/proxies' });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), { items: [{ id: 'gateway-1', role: 'ingress-gateway' }] });
      const config = await h.inject({ method: 'GET', url: '/v1/proxies/gateway-1/config' });
      assert.equal(config.statusCode, 200);
      assert.deepEqual(config.json(), { listeners: [{ name: '0.0.0.0_80' }] });
      const missing = await h.inject({ method: 'GET', url: '/v1/proxies/nobody/config' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json<{ code: string }>().code, 'MG_ERR_NOT_FOUND');
    } finally {
      await h.close();
    }
  });
});

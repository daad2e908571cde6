import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HTTPBIN_SERVICE, HTTPBIN_VIRTUAL_SERVICE, HTTPBIN_YAML, yamlRequest } from './fixtures.js';
import { openEventStore } from '@meshgate/eventlog';
import { startHarness, storeWithRoundTrips, type Harness } from './harness.js';

interface ApplyBody {
  sequence: number;
  dryRun?: boolean;
  results: { kind: string; namespace: string; name: string; action: string }[];
}

function actions(body: ApplyBody): string[] {
  return body.results.map((result) => `${result.kind}/${result.namespace}/${result.name}=${result.action}`);
}

describe('POST /v1/apply', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('creates the seed httpbin objects, then reports them unchanged and writes nothing, then configured', async () => {
    const created = await h.inject(yamlRequest(HTTPBIN_YAML));
    assert.equal(created.statusCode, 200, created.body);
    const first = created.json<ApplyBody>();
    assert.deepEqual(actions(first), [
      'Namespace//default=created',
      'Service/default/httpbin=created',
      'Endpoints/default/httpbin=created',
      'Gateway/default/httpbin-gateway=created',
      'VirtualService/default/httpbin=created',
    ]);
    assert.equal(await h.store.countEvents(), 5);
    assert.equal(first.sequence, await h.store.headSequence());

    // Visible to a read right away: the response waited for the follower.
    const got = await h.inject({ method: 'GET', url: '/v1/resources/VirtualService/default/httpbin' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json<{ spec: { http: { route: { destination: { host: string } }[] }[] } }>().spec.http[0].route[0].destination.host, 'httpbin.default.svc.cluster.local');

    const again = await h.inject(yamlRequest(HTTPBIN_YAML));
    assert.equal(again.statusCode, 200, again.body);
    assert.ok(again.json<ApplyBody>().results.every((result) => result.action === 'unchanged'));
    assert.equal(await h.store.countEvents(), 5, 'an unchanged apply writes no event');
    assert.equal(again.json<ApplyBody>().sequence, first.sequence);

    // The same content written differently (short host, other key order) normalises the same.
    const reordered = HTTPBIN_VIRTUAL_SERVICE.replace('  gateways:\n  - httpbin-gateway\n', '').replace('spec:\n', 'spec:\n  gateways: [httpbin-gateway]\n');
    const same = await h.inject(yamlRequest(reordered));
    assert.deepEqual(actions(same.json<ApplyBody>()), ['VirtualService/default/httpbin=unchanged']);
    assert.equal(await h.store.countEvents(), 5);

    const modified = await h.inject(yamlRequest(HTTPBIN_VIRTUAL_SERVICE.replace('prefix: /delay', 'prefix: /headers')));
    assert.equal(modified.statusCode, 200, modified.body);
    assert.deepEqual(actions(modified.json<ApplyBody>()), ['VirtualService/default/httpbin=configured']);
    assert.equal(await h.store.countEvents(), 6);
    const [event] = await h.store.readAfter(first.sequence);
    assert.equal(event.type, 'ResourceApplied');
    assert.equal(event.streamId, 'VirtualService/default/httpbin');
    assert.equal(event.streamVersion, 2);
  });

  it('accepts JSON (an object or an array) and plain text', async () => {
    const object = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'json-one' } };
    const one = await h.inject({ method: 'POST', url: '/v1/apply', payload: JSON.stringify(object), headers: { 'content-type': 'application/json' } });
    assert.equal(one.statusCode, 200, one.body);
    assert.deepEqual(actions(one.json<ApplyBody>()), ['Namespace//json-one=created']);

    const list = [object, { ...object, metadata: { name: 'json-two' } }];
    const many = await h.inject({ method: 'POST', url: '/v1/apply', payload: JSON.stringify(list), headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(many.statusCode, 200, many.body);
    assert.deepEqual(actions(many.json<ApplyBody>()), ['Namespace//json-one=unchanged', 'Namespace//json-two=created']);

    const text = await h.inject({ method: 'POST', url: '/v1/apply', payload: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: text-one\n', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.statusCode, 200, text.body);
    for (const type of ['text/yaml', 'application/x-yaml']) {
      const response = await h.inject({ method: 'POST', url: '/v1/apply', payload: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: text-one\n', headers: { 'content-type': type } });
      assert.equal(response.statusCode, 200, `${type}: ${response.body}`);
    }
  });

  it('refuses other media types with 415 and writes nothing', async () => {
    const before = await h.store.countEvents();
    const response = await h.inject({ method: 'POST', url: '/v1/apply', payload: '<xml/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(response.statusCode, 415);
    assert.equal(response.json<{ code: string }>().code, 'MG_ERR_UNSUPPORTED_MEDIA_TYPE');
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(await h.store.countEvents(), before);
  });

  it('with dryRun=true reports the actions and writes nothing', async () => {
    const before = await h.store.countEvents();
    const body = `${HTTPBIN_SERVICE.replace('port: 8000', 'port: 8001')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: dry-run-only\n`;
    const response = await h.inject(yamlRequest(body));
    assert.equal(await h.store.countEvents(), before + 2, 'the control request writes');
    const dry = await h.inject({ ...yamlRequest(body.replace('port: 8001', 'port: 8002').replace('dry-run-only', 'dry-run-too')), url: '/v1/apply?dryRun=true' });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal(dry.json<ApplyBody>().dryRun, true);
    assert.deepEqual(actions(dry.json<ApplyBody>()), ['Service/default/httpbin=configured', 'Namespace//dry-run-too=created']);
    assert.equal(await h.store.countEvents(), before + 2, 'a dry run writes nothing');
    assert.equal(dry.json<ApplyBody>().sequence, response.json<ApplyBody>().sequence);
    const missing = await h.inject({ method: 'GET', url: '/v1/resources/namespaces/_/dry-run-too' });
    assert.equal(missing.statusCode, 404);
  });

  it('with the same Idempotency-Key writes once, even when the object changed in between', async () => {
    const body = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: idem\n  labels:\n    step: one\n';
    const first = await h.inject(yamlRequest(body, { 'idempotency-key': 'req-123' }));
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(actions(first.json<ApplyBody>()), ['Namespace//idem=created']);
    // Someone else changes the object; a late retry of the first request must not undo that.
    const other = await h.inject(yamlRequest(body.replace('step: one', 'step: two')));
    assert.deepEqual(actions(other.json<ApplyBody>()), ['Namespace//idem=configured']);
    const count = await h.store.countEvents();

    const retry = await h.inject(yamlRequest(body, { 'idempotency-key': 'req-123' }));
    assert.equal(retry.statusCode, 200, retry.body);
    assert.deepEqual(actions(retry.json<ApplyBody>()), ['Namespace//idem=unchanged']);
    assert.equal(await h.store.countEvents(), count, 'the retry wrote nothing');
    const current = await h.inject({ method: 'GET', url: '/v1/resources/Namespace/_/idem' });
    assert.deepEqual(current.json<{ metadata: { labels: Record<string, string> } }>().metadata.labels, { step: 'two' });
  });

  it('keeps the last of two documents for the same object', async () => {
    const before = await h.store.countEvents();
    const doc = (label: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: twice\n  labels:\n    pick: ${label}\n`;
    const response = await h.inject(yamlRequest(`${doc('first')}---\n${doc('last')}`));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(actions(response.json<ApplyBody>()), ['Namespace//twice=created']);
    assert.equal(await h.store.countEvents(), before + 1);
    const current = await h.inject({ method: 'GET', url: '/v1/resources/namespace/_/twice' });
    assert.deepEqual(current.json<{ metadata: { labels: Record<string, string> } }>().metadata.labels, { pick: 'last' });
  });

  it('counts applied objects and appended events in the metrics', async () => {
    const text = await h.registry.metrics();
    assert.match(text, /meshgate_apply_objects_total\{action="created"\} \d+/);
    assert.match(text, /meshgate_apply_objects_total\{action="unchanged"\} \d+/);
    assert.match(text, /meshgate_events_appended_total\{type="ResourceApplied"\} \d+/);
  });

  it('never logs a request body', async () => {
    const marker = 'log-marker-4f1c9e';
    const response = await h.inject(yamlRequest(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: quiet\n  annotations:\n    secret: ${marker}\n`));
    assert.equal(response.statusCode, 200, response.body);
    const invalid = await h.inject(yamlRequest(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Not_Valid\n  annotations:\n    secret: ${marker}\n`));
    assert.equal(invalid.statusCode, 422);
    assert.ok(h.logs.length > 0, 'the app logs through the given logger');
    assert.ok(!JSON.stringify(h.logs).includes(marker), 'no log line carries body content');
  });
});

describe('POST /v1/apply with racing writers', () => {
  let r: Harness;
  before(async () => {
    r = await startHarness({ store: storeWithRoundTrips(await openEventStore({ memory: true })), consumeChanges: false });
  });
  after(async () => {
    await r.close();
    await r.store.close();
  });

  it('writes a new object once when the same apply races with itself', async () => {
    const before = await r.store.countEvents();
    const body = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: raced\n';
    const responses = await Promise.all(Array.from({ length: 5 }, () => r.inject(yamlRequest(body))));
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const outcomes = responses.map((response) => response.json<ApplyBody>().results[0].action).sort();
    assert.deepEqual(outcomes, ['created', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    assert.equal(await r.store.countEvents(), before + 1);
    assert.ok(r.logs.some((record) => /a concurrent writer appended first/.test(String(record.msg))), 'the writers did race');
  });

  it('lands every one of racing changes to one object, each on the version before it', async () => {
    const doc = (n: number) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: contended\n  labels:\n    n: "${n}"\n`;
    const responses = await Promise.all([1, 2, 3, 4].map((n) => r.inject(yamlRequest(doc(n)))));
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const events = await r.store.readStream('Namespace//contended');
    assert.deepEqual(events.map((event) => event.streamVersion), [1, 2, 3, 4]);
    const actions = responses.map((response) => response.json<ApplyBody>().results[0].action).sort();
    assert.deepEqual(actions, ['configured', 'configured', 'configured', 'created']);
  });
});

/**
 * The api against the real peers: Postgres (a fresh database for this file) and NATS JetStream
 * (a stream and subjects of its own). apply → get → delete → events over REST, racing writers
 * on real connections, and a change arriving over NATS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, NatsError } from 'nats';
import { openBus } from '@meshgate/bus';
import { openEventStore } from '@meshgate/eventlog';
import { createTestDatabase, natsUrl, uniqueName, type TestDatabase } from '@meshgate/testkit';
import { isPlainRecord } from '../src/records.js';
import { HTTPBIN_YAML, yamlRequest } from './fixtures.js';
import { eventually, startHarness, type Harness } from './harness.js';

interface ApplyBody {
  sequence: number;
  results: { kind: string; namespace: string; name: string; action: string }[];
}

/** JetStream's "stream not found": nothing was created, so there is nothing to remove. */
const STREAM_NOT_FOUND = 10059;

describe('api on Postgres and NATS JetStream', () => {
  let database: TestDatabase;
  let h: Harness;
  let url: string;
  const stream = uniqueName('MG_API_TEST_CHANGES');
  const scope = uniqueName('mgapitest');

  before(async () => {
    database = await createTestDatabase('mg_api');
    url = await natsUrl();
    const store = await openEventStore({ databaseUrl: database.url });
    const bus = await openBus({ natsUrl: url, name: 'meshgate-api-test', stream, subjectPrefix: `${scope}.changes`, doorbellSubject: `${scope}.events`, redeliveryDelayMs: 50 });
    h = await startHarness({ store, bus });
  });

  after(async () => {
    await h?.close();
    await h?.bus.close();
    await h?.store.close();
    await database?.drop();
    const admin = await connect({ servers: url, name: 'meshgate-api-test-admin' });
    try {
      await (await admin.jetstreamManager()).streams.delete(stream);
    } catch (error) {
      if (!(error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND)) throw error;
    } finally {
      await admin.close();
    }
  });

  it('applies, reads, re-applies without writing, deletes and lists the events', async () => {
    const created = await h.inject(yamlRequest(HTTPBIN_YAML));
    assert.equal(created.statusCode, 200, created.body);
    assert.ok(created.json<ApplyBody>().results.every((result) => result.action === 'created'));
    assert.equal(await h.store.countEvents(), 5);

    const got = await h.inject({ method: 'GET', url: '/v1/resources/gateways/default/httpbin-gateway' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json<{ metadata: { name: string } }>().metadata.name, 'httpbin-gateway');

    const again = await h.inject(yamlRequest(HTTPBIN_YAML));
    assert.ok(again.json<ApplyBody>().results.every((result) => result.action === 'unchanged'));
    assert.equal(await h.store.countEvents(), 5);

    const deleted = await h.inject({ method: 'DELETE', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.equal(deleted.statusCode, 200, deleted.body);
    const gone = await h.inject({ method: 'GET', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.equal(gone.statusCode, 404);

    const events = await h.inject({ method: 'GET', url: '/v1/events?after=0' });
    const body = events.json<{ events: { sequence: number; type: string; streamId: string }[]; head: number }>();
    assert.equal(body.head, 6);
    assert.deepEqual(
      body.events.map((event) => `${event.sequence} ${event.type} ${event.streamId}`),
      [
        '1 ResourceApplied Namespace//default',
        '2 ResourceApplied Service/default/httpbin',
        '3 ResourceApplied Endpoints/default/httpbin',
        '4 ResourceApplied Gateway/default/httpbin-gateway',
        '5 ResourceApplied VirtualService/default/httpbin',
        '6 ResourceDeleted VirtualService/default/httpbin',
      ],
    );
  });

  it('writes a new object once when the same apply races with itself', async () => {
    const before = await h.store.countEvents();
    const body = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: raced\n';
    const responses = await Promise.all(Array.from({ length: 4 }, () => h.inject(yamlRequest(body))));
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const actions = responses.map((response) => response.json<ApplyBody>().results[0].action).sort();
    assert.deepEqual(actions, ['created', 'unchanged', 'unchanged', 'unchanged']);
    assert.equal(await h.store.countEvents(), before + 1);
  });

  it('applies a change published on NATS', async () => {
    await h.bus.publishChange({
      id: uniqueName('change'),
      source: 'manifests:/demo/egress.yaml',
      op: 'apply',
      kind: 'Service',
      namespace: 'egress',
      name: 'api',
      object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'egress' }, spec: { ports: [{ port: 443, name: 'https' }] } },
    });
    const object = await eventually('the service to appear', async () => {
      const response = await h.inject({ method: 'GET', url: '/v1/resources/services/egress/api' });
      return response.statusCode === 200 ? response.json<{ spec: { ports: { port: number }[] } }>() : undefined;
    });
    assert.equal(object.spec.ports[0].port, 443);
    const [event] = await h.store.readStream('Service/egress/api');
    const data = event.data;
    assert.ok(isPlainRecord(data));
    assert.equal(data.source, 'manifests:/demo/egress.yaml');
  });
});

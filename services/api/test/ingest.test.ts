import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBus, type ResourceChanged } from '@meshgate/bus';
import { openEventStore, type EventStore, type NewEvent } from '@meshgate/eventlog';
import { INGEST_DURABLE_NAME } from '../src/ingest.js';
import { isPlainRecord } from '../src/records.js';
import { eventually, startHarness, storeWithOverrides, type Harness } from './harness.js';

const gatewayObject = (name: string, port = 80) => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: { name, namespace: 'istio-system' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] },
});

function applyChange(id: string, object: ReturnType<typeof gatewayObject>): ResourceChanged {
  return { id, source: 'manifests:/demo/gateway.yaml', op: 'apply', kind: 'Gateway', namespace: 'istio-system', name: object.metadata.name, object };
}

async function gatewayExists(h: Harness, name: string): Promise<true | undefined> {
  const response = await h.inject({ method: 'GET', url: `/v1/resources/gateways/istio-system/${name}` });
  return response.statusCode === 200 ? true : undefined;
}

describe('bus ingestion', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it(`consumes with the durable name ${INGEST_DURABLE_NAME}`, () => {
    assert.equal(INGEST_DURABLE_NAME, 'meshgate-api');
  });

  it('applies a published change through the apply path', async () => {
    await h.bus.publishChange(applyChange('c-1', gatewayObject('edge')));
    await eventually('the gateway to appear', () => gatewayExists(h, 'edge'));
    const events = await h.store.readStream('Gateway/istio-system/edge');
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'ResourceApplied');
    const data = events[0].data;
    assert.ok(isPlainRecord(data));
    assert.equal(data.source, 'manifests:/demo/gateway.yaml');
  });

  it('writes no event for a change with the same normalised content', async () => {
    const before = await h.store.countEvents();
    await h.bus.publishChange(applyChange('c-2', gatewayObject('edge')));
    await h.bus.publishChange(applyChange('c-3', gatewayObject('marker-after-same')));
    await eventually('the marker gateway to appear', () => gatewayExists(h, 'marker-after-same'));
    assert.equal(await h.store.countEvents(), before + 1, 'only the marker was written');
  });

  it('logs an invalid change with its field errors, writes nothing and acknowledges it', async () => {
    const before = await h.store.countEvents();
    await h.bus.publishChange(applyChange('c-bad', gatewayObject('edge-bad', 70000)));
    // Delivery is in order, one at a time: once the next change is applied, the bad one was acknowledged.
    await h.bus.publishChange(applyChange('c-4', gatewayObject('marker-after-bad')));
    await eventually('the marker gateway to appear', () => gatewayExists(h, 'marker-after-bad'));
    assert.equal(await h.store.countEvents(), before + 1, 'only the marker was written');
    assert.equal(await gatewayExists(h, 'edge-bad'), undefined);

    const refusals = h.logs.filter((record) => record.changeId === 'c-bad');
    assert.equal(refusals.length, 1, 'handled once: acknowledged, not redelivered');
    assert.match(String(refusals[0].msg), /refused an invalid change/);
    assert.deepEqual(refusals[0].errors, [{ kind: 'Gateway', name: 'edge-bad', path: 'spec.servers[0].port.number', message: 'must be between 1 and 65535 (got 70000)' }]);
    assert.match(await h.registry.metrics(), /meshgate_api_changes_ingested_total\{outcome="refused"\} 1/);
  });

  it('deletes on a delete change, and acknowledges one for an object already gone', async () => {
    const base = { source: 'kubernetes', op: 'delete' as const, kind: 'Gateway', namespace: 'istio-system', name: 'edge' };
    await h.bus.publishChange({ ...base, id: 'd-1' });
    await eventually('the gateway to go', async () => ((await gatewayExists(h, 'edge')) === undefined ? true : undefined));
    const [applied, deleted] = await h.store.readStream('Gateway/istio-system/edge');
    assert.equal(applied.type, 'ResourceApplied');
    assert.equal(deleted.type, 'ResourceDeleted');
    assert.deepEqual(deleted.data, { ref: { kind: 'Gateway', namespace: 'istio-system', name: 'edge' }, source: 'kubernetes' });

    const before = await h.store.countEvents();
    await h.bus.publishChange({ ...base, id: 'd-2' });
    await h.bus.publishChange({ ...base, id: 'd-3', kind: 'CronJob' });
    await h.bus.publishChange(applyChange('c-5', gatewayObject('marker-after-deletes')));
    await eventually('the marker gateway to appear', () => gatewayExists(h, 'marker-after-deletes'));
    assert.equal(await h.store.countEvents(), before + 1, 'only the marker was written');
    const unknownKind = h.logs.find((record) => record.changeId === 'd-3');
    assert.deepEqual(unknownKind?.errors, [{ path: 'kind', message: 'unknown kind "CronJob"' }]);
  });
});

/**
 * The real store behind a switch that makes its next appends fail, as when the database is
 * briefly unreachable.
 */
function storeThatFailsAppends(store: EventStore, failures: number): { store: EventStore; failed: () => number } {
  let failed = 0;
  const flaky = storeWithOverrides(store, {
    append: async (events: NewEvent[]) => {
      if (failed < failures) {
        failed += 1;
        throw new Error('connection refused (injected)');
      }
      return store.append(events);
    },
  });
  return { store: flaky, failed: () => failed };
}

describe('bus ingestion when the store fails', () => {
  let h: Harness;
  let failed: () => number;
  const busErrors: Error[] = [];
  before(async () => {
    const flaky = storeThatFailsAppends(await openEventStore({ memory: true }), 2);
    failed = flaky.failed;
    h = await startHarness({ store: flaky.store, bus: await openBus({ redeliveryDelayMs: 10, onError: (error) => busErrors.push(error) }) });
  });
  after(async () => {
    await h.close();
    await h.bus.close();
    await h.store.close();
  });

  it('throws so that the bus redelivers, and applies the change once the store answers', async () => {
    await h.bus.publishChange(applyChange('t-1', gatewayObject('after-outage')));
    await eventually('the gateway to appear', () => gatewayExists(h, 'after-outage'));
    assert.equal(failed(), 2);
    assert.equal(busErrors.length, 2, busErrors.map((error) => error.message).join('\n'));
    assert.equal(await h.store.countEvents(), 1);
    assert.match(await h.registry.metrics(), /meshgate_api_changes_ingested_total\{outcome="retried"\} 2/);
  });
});

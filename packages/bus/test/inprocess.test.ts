/** InProcessBus: the shared contract, plus its own duplicate window and retention limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessBus, openBus, type Bus, type BusOptions, type ResourceChanged } from '../src/index.js';
import { runBusContract, type BusUnderTest } from './contract.js';
import { Inbox, TEST_TIMEOUT_MS, change, ids } from './support.js';

async function inProcessBusUnderTest(): Promise<BusUnderTest> {
  // One process, one bus: later `open` calls share the first bus, as the embedded services do.
  let bus: Bus | undefined;
  return {
    async open(options: BusOptions = {}) {
      bus ??= await openBus(options);
      return bus;
    },
    async dispose() {
      await bus?.close();
    },
  };
}

runBusContract('InProcessBus', inProcessBusUnderTest);

describe('InProcessBus specifics', { timeout: TEST_TIMEOUT_MS }, () => {
  it('opens an InProcessBus when no URL is given', async () => {
    const bus = await openBus({});
    assert.ok(bus instanceof InProcessBus);
    await bus.close();
  });

  it('reports itself connected until it is closed', async () => {
    const bus = await openBus({});
    assert.deepEqual(bus.status(), { connected: true, detail: 'connected' });
    await bus.close();
    assert.deepEqual(bus.status(), { connected: false, detail: 'closed' });
  });

  it('accepts an id again once the duplicate window has passed', async () => {
    let now = 0;
    const bus = new InProcessBus({ duplicateWindowMs: 1_000, now: () => now });
    await bus.publishChange(change('again'));
    now = 999;
    await bus.publishChange(change('again')); // inside the window: dropped
    now = 2_000;
    await bus.publishChange(change('again')); // outside: a new message
    await bus.publishChange(change('end'));
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (c) => inbox.push(c), { durable: 'window' });
    assert.deepEqual(ids(await inbox.waitFor(3)), ['again', 'again', 'end']);
    await bus.close();
  });

  it('drops the oldest changes beyond its limit and lets a late consumer skip ahead', async () => {
    const bus = new InProcessBus({ maxRetainedChanges: 2 });
    for (const id of ['o1', 'o2', 'o3', 'o4']) await bus.publishChange(change(id));
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (c) => inbox.push(c), { durable: 'late' });
    assert.deepEqual(ids(await inbox.waitFor(2)), ['o3', 'o4']);
    await bus.publishChange(change('o5'));
    assert.deepEqual(ids(await inbox.waitFor(3)), ['o3', 'o4', 'o5']);
    await bus.close();
  });

  it('never shares an object between publisher and handler', async () => {
    const bus = new InProcessBus();
    const published = change('copy');
    await bus.publishChange(published);
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (c) => inbox.push(c), { durable: 'copy' });
    const [received] = await inbox.waitFor(1);
    assert.notEqual(received.object, published.object);
    assert.deepEqual(received.object, published.object);
    await bus.close();
  });
});

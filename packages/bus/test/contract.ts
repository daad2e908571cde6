/**
 * The Bus contract, run against every implementation. Each test gets a fresh bus on its own
 * stream, subjects and doorbell subject; waits resolve from handlers, never from sleeps.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Bus, BusOptions, Doorbell, ResourceChanged, Subscription } from '../src/index.js';
import { Inbox, TEST_TIMEOUT_MS, change, deferred, ids } from './support.js';

/** One test's bus: `open` may be called several times (same stream, subjects, doorbell). */
export interface BusUnderTest {
  open(options?: BusOptions): Promise<Bus>;
  /** Closes whatever `open` returned and removes server-side state. */
  dispose(): Promise<void>;
}

/** Options every contract test uses: a quick redelivery keeps the suite fast. */
export const CONTRACT_OPTIONS: BusOptions = { redeliveryDelayMs: 50 };

export function runBusContract(name: string, createBusUnderTest: () => Promise<BusUnderTest>): void {
  describe(`Bus contract: ${name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    let underTest: BusUnderTest;
    let bus: Bus;
    let errors: Error[];

    beforeEach(async () => {
      errors = [];
      underTest = await createBusUnderTest();
      bus = await underTest.open({ ...CONTRACT_OPTIONS, onError: (error) => errors.push(error) });
    });

    afterEach(async () => {
      await underTest.dispose();
    });

    /** Subscribes a durable whose handler records every change into the returned inbox. */
    async function collect(durable: string): Promise<{ inbox: Inbox<ResourceChanged>; subscription: Subscription }> {
      const inbox = new Inbox<ResourceChanged>();
      const subscription = await bus.consumeChanges(async (c) => inbox.push(c), { durable });
      return { inbox, subscription };
    }

    it('delivers published changes in publish order, intact', async () => {
      const published = [
        change('a'),
        change('b', { op: 'delete', object: undefined }),
        change('c', { kind: 'Namespace', namespace: '', name: 'bookstore' }),
        change('d', { kind: 'VirtualService', namespace: 'bookbuyer' }),
        change('e'),
      ];
      for (const c of published) await bus.publishChange(c);
      const { inbox } = await collect('ordered');
      const received = await inbox.waitFor(published.length);
      assert.deepEqual(received, published.map((c) => JSON.parse(JSON.stringify(c))));
    });

    it('delivers changes published while consuming, in order', async () => {
      const { inbox } = await collect('live');
      const expected = ['l1', 'l2', 'l3', 'l4'];
      for (const id of expected) await bus.publishChange(change(id));
      assert.deepEqual(ids(await inbox.waitFor(expected.length)), expected);
    });

    it('delivers a change published twice with the same id once', async () => {
      await bus.publishChange(change('dup'));
      await bus.publishChange(change('dup', { source: 'test:replay' }));
      await bus.publishChange(change('after'));
      const { inbox } = await collect('dedup');
      // Delivery is ordered, so once "after" arrived any duplicate would have arrived before it.
      await inbox.waitFor(2);
      await bus.publishChange(change('sentinel'));
      assert.deepEqual(ids(await inbox.waitFor(3)), ['dup', 'after', 'sentinel']);
      assert.equal(inbox.items[0].source, 'test:bus', 'the first publish wins');
    });

    it('redelivers a change whose handler threw, before later changes, then acknowledges it', async () => {
      await bus.publishChange(change('flaky'));
      await bus.publishChange(change('next'));
      const attempts = new Inbox<string>();
      let failed = false;
      const first = await bus.consumeChanges(async (c) => {
        attempts.push(c.id);
        if (c.id === 'flaky' && !failed) {
          failed = true;
          throw new Error('handler failed once');
        }
      }, { durable: 'retry' });
      assert.deepEqual(await attempts.waitFor(3), ['flaky', 'flaky', 'next']);
      assert.ok(errors.some((e) => e.message.includes('handler failed once')), 'the failure is reported');
      await first.unsubscribe();

      // Both were acknowledged: the same durable now starts after them.
      await bus.publishChange(change('later'));
      const { inbox } = await collect('retry');
      assert.deepEqual(ids(await inbox.waitFor(1)), ['later']);
      assert.deepEqual(attempts.items, ['flaky', 'flaky', 'next']);
    });

    it('resumes a durable consumer after the last acknowledged change', async () => {
      for (const id of ['r1', 'r2', 'r3']) await bus.publishChange(change(id));
      const first = await collect('resume');
      assert.deepEqual(ids(await first.inbox.waitFor(3)), ['r1', 'r2', 'r3']);
      await first.subscription.unsubscribe();

      for (const id of ['r4', 'r5']) await bus.publishChange(change(id));
      const second = await collect('resume');
      assert.deepEqual(ids(await second.inbox.waitFor(2)), ['r4', 'r5']);
      await bus.publishChange(change('r6'));
      assert.deepEqual(ids(await second.inbox.waitFor(3)), ['r4', 'r5', 'r6']);
      assert.deepEqual(ids(first.inbox.items), ['r1', 'r2', 'r3'], 'nothing reached the unsubscribed handler');
    });

    it('keeps durable consumers independent: each sees every change', async () => {
      for (const id of ['f1', 'f2']) await bus.publishChange(change(id));
      const one = await collect('one');
      const two = await collect('two');
      assert.deepEqual(ids(await one.inbox.waitFor(2)), ['f1', 'f2']);
      assert.deepEqual(ids(await two.inbox.waitFor(2)), ['f1', 'f2']);
    });

    it('waits for the handler in flight when unsubscribing, and acknowledges it', async () => {
      await bus.publishChange(change('slow'));
      const started = deferred();
      const release = deferred();
      const subscription = await bus.consumeChanges(async () => {
        started.resolve();
        await release.promise;
      }, { durable: 'slow' });
      await started.promise;
      let unsubscribed = false;
      const unsubscribing = subscription.unsubscribe().then(() => {
        unsubscribed = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(unsubscribed, false, 'unsubscribe waits for the running handler');
      release.resolve();
      await unsubscribing;

      await bus.publishChange(change('fast'));
      const { inbox } = await collect('slow');
      assert.deepEqual(ids(await inbox.waitFor(1)), ['fast'], 'the finished change was acknowledged');
    });

    it('refuses to publish an invalid change or doorbell, naming the field', async () => {
      const bad = { ...change('bad'), op: 'patch' } as unknown as ResourceChanged;
      await assert.rejects(bus.publishChange(bad), /op: must be "apply" or "delete"/);
      await assert.rejects(bus.publishChange(change('')), /id: must be a non-empty string/);
      await assert.rejects(bus.ringDoorbell({ head: -1 }), /head: must be a non-negative integer/);
      await assert.rejects(bus.consumeChanges(async () => {}, { durable: 'has.dot' }), /invalid durable consumer name/);
    });

    it('rings the doorbell for every subscriber, and not for one that unsubscribed', async () => {
      const first = new Inbox<Doorbell>();
      const second = new Inbox<Doorbell>();
      const firstSubscription = await bus.onDoorbell((d) => first.push(d));
      await bus.onDoorbell((d) => second.push(d));
      await bus.ringDoorbell({ head: 7 });
      assert.deepEqual(await first.waitFor(1), [{ head: 7 }]);
      assert.deepEqual(await second.waitFor(1), [{ head: 7 }]);

      await firstSubscription.unsubscribe();
      await bus.ringDoorbell({ head: 8 });
      await bus.ringDoorbell({ head: 9 });
      assert.deepEqual(await second.waitFor(3), [{ head: 7 }, { head: 8 }, { head: 9 }]);
      assert.deepEqual(first.items, [{ head: 7 }]);
    });

    it('reports a throwing doorbell handler and keeps ringing', async () => {
      const heard = new Inbox<number>();
      await bus.onDoorbell((d) => {
        heard.push(d.head);
        if (d.head === 1) throw new Error('doorbell handler broke');
      });
      await bus.ringDoorbell({ head: 1 });
      await bus.ringDoorbell({ head: 2 });
      assert.deepEqual(await heard.waitFor(2), [1, 2]);
      assert.ok(errors.some((e) => e.message.includes('doorbell handler broke')));
    });

    it('refuses work once closed', async () => {
      await bus.close();
      await assert.rejects(bus.publishChange(change('late')), /closed/);
      await assert.rejects(bus.ringDoorbell({ head: 1 }), /closed/);
    });
  });
}

/**
 * NatsBus against the real nats-server (JetStream): the shared contract, plus what only a
 * networked bus has — reconnecting processes, stream/consumer setup, foreign payloads.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { NatsError, connect, nanos, type JetStreamManager, type NatsConnection } from 'nats';
import { eventually, natsUrl, startPrivateNatsServer, uniqueName } from '@meshgate/testkit';
import { NatsBus, openBus, type Bus, type BusOptions, type Doorbell, type InvalidMessage, type ResourceChanged } from '../src/index.js';
import { CONTRACT_OPTIONS, runBusContract, type BusUnderTest } from './contract.js';
import { Inbox, TEST_TIMEOUT_MS, change, deferred, ids } from './support.js';

let admin: NatsConnection;
let jsm: JetStreamManager;

before(async () => {
  admin = await connect({ servers: await natsUrl(), name: 'meshgate-bus-test-admin' });
  jsm = await admin.jetstreamManager();
});

after(async () => {
  await admin.close();
});

interface NatsBusUnderTest extends BusUnderTest {
  stream: string;
  subjectPrefix: string;
  doorbellSubject: string;
}

async function natsBusUnderTest(): Promise<NatsBusUnderTest> {
  const url = await natsUrl();
  const scope = uniqueName('mgtest');
  const names = {
    stream: uniqueName('MG_TEST_CHANGES'),
    subjectPrefix: `${scope}.changes`,
    doorbellSubject: `${scope}.events`,
  };
  const opened: Bus[] = [];
  return {
    ...names,
    async open(options: BusOptions = {}) {
      const bus = await openBus({ ...options, ...names, natsUrl: url, name: 'meshgate-bus-test' });
      opened.push(bus);
      return bus;
    },
    async dispose() {
      await Promise.all(opened.map((bus) => bus.close()));
      try {
        await jsm.streams.delete(names.stream);
      } catch (error) {
        // Nothing was opened, so there is no stream to remove.
        if (!(error instanceof NatsError && error.api_error?.err_code === 10059)) throw error;
      }
    },
  };
}

runBusContract('NatsBus (JetStream)', natsBusUnderTest);

describe('NatsBus specifics', { timeout: TEST_TIMEOUT_MS }, () => {
  let underTest: NatsBusUnderTest;
  let errors: Error[];
  let invalid: InvalidMessage[];
  const options = (): BusOptions => ({
    ...CONTRACT_OPTIONS,
    onError: (error) => errors.push(error),
    onInvalid: (message) => invalid.push(message),
  });

  beforeEach(async () => {
    errors = [];
    invalid = [];
    underTest = await natsBusUnderTest();
  });

  afterEach(async () => {
    await underTest.dispose();
  });

  it('opens a NatsBus when a URL is given', async () => {
    assert.ok((await underTest.open()) instanceof NatsBus);
  });

  it('resumes in a new connection: acknowledged changes stay done, unacknowledged ones come back', async () => {
    const first = await underTest.open(options());
    for (const id of ['p1', 'p2', 'p3']) await first.publishChange(change(id));
    const handled = new Inbox<string>();
    const thirdStarted = deferred();
    const failThird = deferred();
    await first.consumeChanges(async (c) => {
      if (c.id === 'p3') {
        thirdStarted.resolve();
        await failThird.promise;
      }
      handled.push(c.id);
    }, { durable: 'restart' });
    await thirdStarted.promise;
    // The process goes away while p3 is being handled and fails: p3 must not count as done.
    const closing = first.close();
    failThird.reject(new Error('process stopping'));
    await closing;
    assert.deepEqual(handled.items, ['p1', 'p2']);

    const second = await underTest.open(options());
    await second.publishChange(change('p1')); // a replay within the window: deduplicated
    await second.publishChange(change('p4'));
    const resumed = new Inbox<ResourceChanged>();
    await second.consumeChanges(async (c) => resumed.push(c), { durable: 'restart' });
    assert.deepEqual(ids(await resumed.waitFor(2)), ['p3', 'p4']);
    await second.publishChange(change('p5'));
    assert.deepEqual(ids(await resumed.waitFor(3)), ['p3', 'p4', 'p5']);
  });

  it('keeps a change claimed while its handler runs longer than the ack wait', async () => {
    const url = await natsUrl();
    const names = { stream: underTest.stream, subjectPrefix: underTest.subjectPrefix, doorbellSubject: underTest.doorbellSubject };
    await underTest.open(options()); // creates the stream and removes it in dispose
    // Two replicas share the durable: without the claim, the idle one would get the change
    // again once the ack wait expires.
    const replicas = [
      await NatsBus.connect({ ...options(), ...names, natsUrl: url, ackWaitMs: 300 }),
      await NatsBus.connect({ ...options(), ...names, natsUrl: url, ackWaitMs: 300 }),
    ];
    try {
      const attempts = new Inbox<string>();
      const handler = async (c: ResourceChanged) => {
        attempts.push(c.id);
        // Simulated slow work, over three ack waits long; not a wait for a condition.
        if (c.id === 'long') await new Promise((resolve) => setTimeout(resolve, 1_000));
      };
      for (const replica of replicas) await replica.consumeChanges(handler, { durable: 'patient' });
      await replicas[0].publishChange(change('long'));
      await attempts.waitFor(1);
      await replicas[0].publishChange(change('after-long'));
      assert.deepEqual(await attempts.waitFor(2), ['long', 'after-long'], 'handled once, not redelivered meanwhile');
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('stores changes on <prefix>.<kind>.<namespace or _> with Nats-Msg-Id set to the change id', async () => {
    const bus = await underTest.open(options());
    await bus.publishChange(change('scoped', { kind: 'VirtualService', namespace: 'bookstore' }));
    await bus.publishChange(change('cluster', { kind: 'Namespace', namespace: '' }));
    const scoped = await jsm.streams.getMessage(underTest.stream, { seq: 1 });
    const cluster = await jsm.streams.getMessage(underTest.stream, { seq: 2 });
    assert.equal(scoped.subject, `${underTest.subjectPrefix}.VirtualService.bookstore`);
    assert.equal(cluster.subject, `${underTest.subjectPrefix}.Namespace._`);
    assert.equal(scoped.header.get('Nats-Msg-Id'), 'scoped');
  });

  it('creates the stream and the durable consumer idempotently and converges their settings', async () => {
    await underTest.open({ ...options(), duplicateWindowMs: 60_000 });
    let stream = await jsm.streams.info(underTest.stream);
    assert.equal(stream.config.duplicate_window, nanos(60_000));
    assert.deepEqual(stream.config.subjects, [`${underTest.subjectPrefix}.>`]);

    const url = await natsUrl();
    const names = { stream: underTest.stream, subjectPrefix: underTest.subjectPrefix, doorbellSubject: underTest.doorbellSubject };
    const fiveSeconds = await NatsBus.connect({ ...options(), ...names, natsUrl: url, ackWaitMs: 5_000 });
    const tenSeconds = await NatsBus.connect({ ...options(), ...names, natsUrl: url, ackWaitMs: 10_000 });
    try {
      stream = await jsm.streams.info(underTest.stream);
      assert.equal(stream.config.duplicate_window, nanos(120_000), 'the default window replaced the shorter one');

      await (await fiveSeconds.consumeChanges(async () => {}, { durable: 'shared' })).unsubscribe();
      let consumer = await jsm.consumers.info(underTest.stream, 'shared');
      assert.equal(consumer.config.ack_policy, 'explicit');
      assert.equal(consumer.config.max_ack_pending, 1);
      assert.equal(consumer.config.ack_wait, nanos(5_000));

      await (await tenSeconds.consumeChanges(async () => {}, { durable: 'shared' })).unsubscribe();
      consumer = await jsm.consumers.info(underTest.stream, 'shared');
      assert.equal(consumer.config.ack_wait, nanos(10_000));
    } finally {
      await fiveSeconds.close();
      await tenSeconds.close();
    }
  });

  it('terminates and reports malformed change payloads, and carries on', async () => {
    const bus = await underTest.open(options());
    const js = admin.jetstream();
    await js.publish(`${underTest.subjectPrefix}.Service.bookstore`, new TextEncoder().encode('{not json'));
    await js.publish(`${underTest.subjectPrefix}.Service.bookstore`, new TextEncoder().encode(JSON.stringify({ id: 5, op: 'apply' })));
    await bus.publishChange(change('good'));
    const received = new Inbox<ResourceChanged>();
    const subscription = await bus.consumeChanges(async (c) => received.push(c), { durable: 'strict' });
    assert.deepEqual(ids(await received.waitFor(1)), ['good']);
    assert.equal(invalid.length, 2);
    assert.match(invalid[0].errors[0], /not UTF-8 JSON/);
    assert.equal(invalid[0].preview, '{not json');
    assert.ok(invalid[1].errors.includes('id: must be a non-empty string'));
    assert.ok(invalid[1].errors.includes('source: must be a non-empty string'));
    await subscription.unsubscribe();

    // Terminated, not left pending: a new subscription of the same durable sees only new changes.
    await bus.publishChange(change('newer'));
    const again = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (c) => again.push(c), { durable: 'strict' });
    assert.deepEqual(ids(await again.waitFor(1)), ['newer']);
    assert.equal(invalid.length, 2);
  });

  it('rings the doorbell across connections and reports malformed doorbells', async () => {
    const ringer = await underTest.open(options());
    const listener = await underTest.open(options());
    const heard = new Inbox<Doorbell>();
    await listener.onDoorbell((d) => heard.push(d));
    admin.publish(underTest.doorbellSubject, new TextEncoder().encode('{"head":"soon"}'));
    await admin.flush();
    await ringer.ringDoorbell({ head: 42 });
    assert.deepEqual(await heard.waitFor(1), [{ head: 42 }]);
    assert.equal(invalid.length, 1);
    assert.deepEqual(invalid[0].errors, ['head: must be a non-negative integer']);
  });

  it('fails to open with a clear error when no server answers', async () => {
    await assert.rejects(openBus({ natsUrl: 'nats://127.0.0.1:1', stream: underTest.stream }), /CONNECTION_REFUSED|ECONNREFUSED/);
  });
});

describe('NatsBus link status (a private nats-server, killed and restarted)', { timeout: 60_000 }, () => {
  it('reports a lost link with the server it lost, and the reconnection', async () => {
    const server = await startPrivateNatsServer();
    const bus = await openBus({ natsUrl: server.url, name: 'meshgate-bus-link-test' });
    try {
      assert.deepEqual(bus.status(), { connected: true, detail: 'connected' });
      await server.kill();
      const lost = await eventually('the bus to notice the lost link', () => (bus.status().connected ? undefined : bus.status()));
      assert.match(lost.detail, new RegExp(`disconnected from 127\\.0\\.0\\.1:${server.port} since .*; reconnecting`));
      await server.restart();
      await eventually('the bus to reconnect', () => (bus.status().connected ? true : undefined), 20_000);
    } finally {
      await bus.close();
      await server.dispose();
    }
    assert.equal(bus.status().connected, false, 'closed');
  });

  it('closes without waiting for a server that is gone', async () => {
    const server = await startPrivateNatsServer();
    const bus = await openBus({ natsUrl: server.url, name: 'meshgate-bus-link-test' });
    try {
      await server.kill();
      await eventually('the bus to notice the lost link', () => (bus.status().connected ? undefined : true));
    } finally {
      await bus.close();
      await server.dispose();
    }
    assert.equal(bus.status().connected, false, 'closed');
  });
});


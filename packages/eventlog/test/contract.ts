/**
 * The EventStore contract, as one suite that every implementation runs
 * (`postgres.test.ts`, `pglite.test.ts`). The stores share one database for the whole suite,
 * so each test uses its own stream ids and measures sequences and counts relative to what was
 * there before it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConcurrencyError, type EventStore, type NewEvent, type StoredEvent } from '../src/index.js';

export interface ContractStores {
  store: EventStore;
  /**
   * A second handle on the same database for the concurrency tests: a separate instance (its
   * own connection pool) where the backend allows one, else the same store (PGlite, whose
   * database belongs to one instance).
   */
  peer: EventStore;
  cleanup(): Promise<void>;
}

/** A stream id no other test uses. */
function streamId(label: string): string {
  return `${label}/${randomBytes(4).toString('hex')}`;
}

function events(stream: string, count: number, extra: Partial<NewEvent> = {}): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({ streamId: stream, type: 'Tested', data: { i }, ...extra }));
}

function sequences(list: readonly StoredEvent[]): number[] {
  return list.map((e) => e.sequence);
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export function runEventStoreContract(name: string, open: () => Promise<ContractStores>): void {
  describe(`EventStore contract: ${name}`, () => {
    let stores: ContractStores;
    before(async () => {
      stores = await open();
    });
    after(async () => {
      await stores?.cleanup();
    });

    test('append returns the written events and readAfter reads them back in order, with a limit', async () => {
      const { store } = stores;
      const head = await store.headSequence();
      const a = streamId('order-a');
      const b = streamId('order-b');
      const { written, deduplicated } = await store.append([
        { streamId: a, type: 'Created', data: { n: 1 }, metadata: { actor: 'test' } },
        { streamId: b, type: 'Created', data: [1, 'two', null] },
        { streamId: a, type: 'Updated', data: 'text' },
        { streamId: b, type: 'Updated', data: null },
        { streamId: a, type: 'Deleted', data: { nested: { deep: true } } },
      ]);
      assert.deepEqual(deduplicated, []);
      assert.deepEqual(sequences(written), range(head + 1, 5));
      assert.deepEqual(
        written.map((e) => [e.streamId, e.type, e.data]),
        [
          [a, 'Created', { n: 1 }],
          [b, 'Created', [1, 'two', null]],
          [a, 'Updated', 'text'],
          [b, 'Updated', null],
          [a, 'Deleted', { nested: { deep: true } }],
        ],
      );
      assert.deepEqual(written[0].metadata, { actor: 'test' });
      assert.deepEqual(written[1].metadata, {});
      assert.equal(written[0].dedupKey, null);
      assert.ok(!Number.isNaN(Date.parse(written[0].recordedAt)));

      assert.deepEqual(await store.readAfter(head), written, 'a read returns exactly what append reported');
      const raw = await store.readRawAfter(head, 3);
      assert.ok(raw.every((e) => typeof e.data === 'string' && typeof e.metadata === 'string'), 'a raw read leaves JSON as text');
      assert.deepEqual(
        raw.map((e) => ({ ...e, data: JSON.parse(e.data) as unknown, metadata: JSON.parse(e.metadata) as unknown })),
        written.slice(0, 3),
      );
      assert.deepEqual(await store.readAfter(head, 2), written.slice(0, 2));
      assert.deepEqual(await store.readAfter(head + 2, 2), written.slice(2, 4));
      assert.deepEqual(await store.readAfter(head + 5), []);
      assert.equal(await store.headSequence(), head + 5);
      assert.equal(typeof (await store.countEvents()), 'number');
    });

    test('stream versions count per stream, also within one batch', async () => {
      const { store } = stores;
      const a = streamId('versions-a');
      const b = streamId('versions-b');
      const first = await store.append([...events(a, 1), ...events(b, 1), ...events(a, 1)]);
      assert.deepEqual(
        first.written.map((e) => [e.streamId, e.streamVersion]),
        [
          [a, 1],
          [b, 1],
          [a, 2],
        ],
      );
      const second = await store.append(events(a, 1));
      assert.equal(second.written[0].streamVersion, 3);
      assert.equal(await store.streamVersion(a), 3);
      assert.equal(await store.streamVersion(b), 1);
      assert.equal(await store.streamVersion(streamId('never-written')), 0);
      const stream = await store.readStream(a);
      assert.deepEqual(
        stream.map((e) => e.streamVersion),
        [1, 2, 3],
      );
      assert.ok(stream.every((e) => e.streamId === a));
      assert.deepEqual(await store.readStream(streamId('never-written')), []);
    });

    test('an expectedVersion conflict rejects the whole batch and writes nothing', async () => {
      const { store } = stores;
      const target = streamId('conflict');
      const bystander = streamId('bystander');
      await store.append(events(target, 2));
      const countBefore = await store.countEvents();
      const headBefore = await store.headSequence();

      await assert.rejects(
        store.append([...events(bystander, 1), ...events(target, 1, { expectedVersion: 1 })]),
        (error: unknown) => {
          assert.ok(error instanceof ConcurrencyError);
          assert.equal(error.code, 'MG_ERR_CONCURRENCY');
          assert.equal(error.streamId, target);
          assert.equal(error.expected, 1);
          assert.equal(error.actual, 2);
          return true;
        },
      );
      assert.equal(await store.countEvents(), countBefore);
      assert.equal(await store.headSequence(), headBefore);
      assert.equal(await store.streamVersion(bystander), 0);
      assert.equal(await store.streamVersion(target), 2);

      const ok = await store.append(events(target, 1, { expectedVersion: 2 }));
      assert.equal(ok.written[0].streamVersion, 3);
    });

    test('expectedVersion 0 creates a new stream once; later events in a batch expect the running version', async () => {
      const { store } = stores;
      const fresh = streamId('fresh');
      const created = await store.append(events(fresh, 1, { expectedVersion: 0 }));
      assert.equal(created.written[0].streamVersion, 1);
      await assert.rejects(store.append(events(fresh, 1, { expectedVersion: 0 })), ConcurrencyError);

      const another = streamId('fresh-batch');
      const batch = await store.append([
        { streamId: another, type: 'A', data: 1, expectedVersion: 0 },
        { streamId: another, type: 'B', data: 2, expectedVersion: 1 },
        { streamId: another, type: 'C', data: 3, expectedVersion: 'any' },
      ]);
      assert.deepEqual(
        batch.written.map((e) => e.streamVersion),
        [1, 2, 3],
      );
      await assert.rejects(
        store.append([
          { streamId: streamId('fresh-wrong'), type: 'A', data: 1, expectedVersion: 0 },
          { streamId: another, type: 'B', data: 2, expectedVersion: 0 },
        ]),
        ConcurrencyError,
      );
    });

    test('the second event of a stream in a batch expecting the version before the batch is a conflict', async () => {
      const { store } = stores;
      const target = streamId('running');
      await store.append(events(target, 3));
      await assert.rejects(
        store.append([...events(target, 1, { expectedVersion: 3 }), ...events(target, 1, { expectedVersion: 3 })]),
        (error: unknown) => error instanceof ConcurrencyError && error.expected === 3 && error.actual === 4,
      );
      assert.equal(await store.streamVersion(target), 3);
      // A deduplicated event is not checked: its expected version may be stale.
      const key = `once-${target}`;
      await store.append([{ ...events(target, 1)[0], dedupKey: key }]);
      assert.deepEqual(await store.append([{ ...events(target, 1)[0], dedupKey: key, expectedVersion: 0 }]), { written: [], deduplicated: [key] });
    });

    test('the log holds the JSON form of data: undefined properties dropped, undefined data as null', async () => {
      const { store } = stores;
      const head = await store.headSequence();
      const stream = streamId('json-form');
      await store.append([
        { streamId: stream, type: 'A', data: { kept: 1, dropped: undefined } },
        { streamId: stream, type: 'B', data: undefined },
      ]);
      const read = await store.readAfter(head);
      assert.deepEqual(read[0].data, { kept: 1 });
      assert.equal(read[1].data, null);
      assert.deepEqual(read[1].metadata, {});
    });

    test('dedupKey makes appends idempotent, across calls and within one batch', async () => {
      const { store } = stores;
      const stream = streamId('dedup');
      const key1 = `k1-${stream}`;
      const key2 = `k2-${stream}`;
      const first = await store.append([{ streamId: stream, type: 'Once', data: 1, dedupKey: key1, expectedVersion: 0 }]);
      assert.equal(first.written.length, 1);
      assert.equal(first.written[0].dedupKey, key1);
      const count = await store.countEvents();

      // A retry of the same append, expectedVersion included, is a harmless no-op.
      const retry = await store.append([{ streamId: stream, type: 'Once', data: 1, dedupKey: key1, expectedVersion: 0 }]);
      assert.deepEqual(retry, { written: [], deduplicated: [key1] });
      assert.equal(await store.countEvents(), count);

      const mixed = await store.append([
        { streamId: stream, type: 'Once', data: 1, dedupKey: key1 },
        { streamId: stream, type: 'Twice', data: 2, dedupKey: key2 },
        { streamId: stream, type: 'Twice', data: 2, dedupKey: key2 },
        { streamId: stream, type: 'NoKey', data: 3 },
      ]);
      assert.deepEqual(mixed.deduplicated, [key1, key2]);
      assert.deepEqual(
        mixed.written.map((e) => [e.type, e.streamVersion, e.dedupKey]),
        [
          ['Twice', 2, key2],
          ['NoKey', 3, null],
        ],
      );
      assert.equal(await store.countEvents(), count + 2);
      assert.deepEqual(
        (await store.readStream(stream)).map((e) => e.type),
        ['Once', 'Twice', 'NoKey'],
      );
    });

    test('a batch of 5,000 events is written in one call with consecutive sequences', async () => {
      const { store } = stores;
      const head = await store.headSequence();
      const prefix = streamId('bulk');
      const batch: NewEvent[] = Array.from({ length: 5000 }, (_, i) => ({
        streamId: `${prefix}-${i % 50}`,
        type: 'Bulk',
        data: { i },
        dedupKey: `${prefix}-key-${i}`,
      }));
      const { written } = await store.append(batch);
      assert.deepEqual(sequences(written), range(head + 1, 5000));
      const read = await store.readAfter(head, 5000);
      assert.deepEqual(sequences(read), range(head + 1, 5000));
      assert.deepEqual(
        read.map((e) => e.data),
        batch.map((e) => e.data),
      );
      assert.equal(await store.streamVersion(`${prefix}-0`), 100);
      assert.equal(await store.streamVersion(`${prefix}-49`), 100);
    });

    test('loadSnapshot returns the latest snapshot of a name', async () => {
      const { store } = stores;
      const name = streamId('snapshot');
      assert.equal(await store.loadSnapshot(name), null);
      await store.saveSnapshot({ name, sequence: 10, state: { services: ['a'] } });
      await store.saveSnapshot({ name, sequence: 20, state: { services: ['a', 'b'] } });
      assert.deepEqual(await store.loadSnapshot(name), { name, sequence: 20, state: { services: ['a', 'b'] } });

      await store.saveSnapshot({ name, sequence: 15, state: { services: ['stale'] } });
      assert.deepEqual((await store.loadSnapshot(name))?.sequence, 20, 'an older snapshot does not replace a newer one');

      await store.saveSnapshot({ name, sequence: 20, state: { services: ['rewritten'] } });
      assert.deepEqual(await store.loadSnapshot(name), { name, sequence: 20, state: { services: ['rewritten'] } });
      assert.equal(await store.loadSnapshot(`${name}-other`), null);

      await store.saveSnapshotJson(name, 30, '{"services": ["as text"]}');
      assert.deepEqual(await store.loadSnapshot(name), { name, sequence: 30, state: { services: ['as text'] } });
    });

    test('secrets can be put, replaced, read, listed by prefix and deleted', async () => {
      const { store } = stores;
      const prefix = `${streamId('secrets')}/`;
      assert.equal(await store.getSecret(`${prefix}missing`), null);

      await store.putSecret(`${prefix}b`, 'cipher-b', { keys: ['tls.crt', 'tls.key'] });
      await store.putSecret(`${prefix}a`, 'cipher-a1', { digest: 'sha256:1' });
      await store.putSecret(`${prefix}a`, 'cipher-a2', { digest: 'sha256:2' });
      await store.putSecret(`${streamId('elsewhere')}`, 'not listed', {});

      const a = await store.getSecret(`${prefix}a`);
      assert.equal(a?.ciphertext, 'cipher-a2');
      assert.deepEqual(a?.meta, { digest: 'sha256:2' });
      assert.ok(!Number.isNaN(Date.parse(a?.updatedAt ?? '')));

      const listed = await store.listSecrets(prefix);
      assert.deepEqual(
        listed.map((s) => [s.name, s.meta]),
        [
          [`${prefix}a`, { digest: 'sha256:2' }],
          [`${prefix}b`, { keys: ['tls.crt', 'tls.key'] }],
        ],
      );
      assert.ok(!('ciphertext' in listed[0]), 'a listing does not carry ciphertext');

      assert.equal(await store.deleteSecret(`${prefix}a`), true);
      assert.equal(await store.deleteSecret(`${prefix}a`), false);
      assert.equal(await store.getSecret(`${prefix}a`), null);
      assert.deepEqual(
        (await store.listSecrets(prefix)).map((s) => s.name),
        [`${prefix}b`],
      );
    });

    test('parallel appenders never duplicate or skip a sequence, and a tailing reader sees every event in order', async () => {
      const { store, peer } = stores;
      const head = await store.headSequence();
      const appendsPerWriter = 20;
      const eventsPerAppend = 25;
      const total = 2 * appendsPerWriter * eventsPerAppend;

      const writer = async (target: EventStore, label: string) => {
        const stream = streamId(label);
        const results = [];
        for (let i = 0; i < appendsPerWriter; i++) results.push(await target.append(events(stream, eventsPerAppend)));
        return results;
      };

      let writersDone = false;
      const seen: number[] = [];
      const tail = async () => {
        // Bounded, in case a skipped sequence made the reader wait for an event that never comes.
        const deadline = Date.now() + 60_000;
        let cursor = head;
        while (!(writersDone && cursor >= head + total)) {
          assert.ok(Date.now() < deadline, `reader stuck at ${cursor}`);
          for (const event of await store.readAfter(cursor, 100)) {
            seen.push(event.sequence);
            cursor = event.sequence;
          }
        }
      };

      const writers = Promise.all([writer(store, 'parallel-1'), writer(peer, 'parallel-2')]).finally(() => {
        writersDone = true;
      });
      const [results] = await Promise.all([writers, tail()]);

      const written = results.flat().flatMap((r) => sequences(r.written));
      assert.deepEqual(
        [...written].sort((x, y) => x - y),
        range(head + 1, total),
        'every sequence handed out exactly once',
      );
      for (const result of results.flat()) {
        const s = sequences(result.written);
        assert.deepEqual(s, range(s[0], eventsPerAppend), 'one append occupies a consecutive range');
      }
      assert.deepEqual(seen, range(head + 1, total), 'the reader saw each event once, in sequence order');
      assert.equal(await store.headSequence(), head + total);
    });

    test('two parallel appends expecting the same version: exactly one wins', async () => {
      const { store, peer } = stores;
      const contested = streamId('contested');
      const outcomes = await Promise.allSettled([
        store.append(events(contested, 1, { expectedVersion: 0 })),
        peer.append(events(contested, 1, { expectedVersion: 0 })),
      ]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(rejected.length, 1);
      assert.ok(rejected[0].status === 'rejected' && rejected[0].reason instanceof ConcurrencyError);
      assert.equal(await store.streamVersion(contested), 1);
    });

    test('malformed events are refused with the field named, and nothing is written', async () => {
      const { store } = stores;
      const count = await store.countEvents();
      const ok = events(streamId('malformed'), 1);
      await assert.rejects(store.append([...ok, { streamId: '', type: 'X', data: 1 }]), /events\[1\]\.streamId/);
      await assert.rejects(store.append([{ ...ok[0], expectedVersion: -1 }]), /events\[0\]\.expectedVersion/);
      await assert.rejects(store.readAfter(-1), /after/);
      assert.equal(await store.countEvents(), count);
      assert.deepEqual(await store.append([]), { written: [], deduplicated: [] });
    });
  });
}

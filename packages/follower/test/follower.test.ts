/**
 * The follower against the real PGlite store and in-process bus: it folds the log in, reads on
 * when the doorbell rings, writes snapshots, and a new follower starts from the snapshot and
 * replays only the tail.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessBus } from '@meshgate/bus';
import { openEventStore, type EventStore, type NewEvent } from '@meshgate/eventlog';
import { digestOf, objectKey, validateDocument } from '@meshgate/model';
import { MESH_STATE_SNAPSHOT, StateFollower } from '../src/state-follower.js';

let store: EventStore;
let bus: InProcessBus;

function serviceEvent(name: string): NewEvent {
  const result = validateDocument({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo' }, spec: { ports: [{ port: 80 }] } });
  assert.ok(result.valid);
  return { streamId: objectKey(result.value), type: 'ResourceApplied', data: { object: result.value, digest: digestOf(result.value), source: 'test' } };
}

/** The store, recording the `after` of every read. */
function recordingStore(reads: number[]): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readAfter' || property === 'readRawAfter') {
        return (afterSequence: number, limit?: number) => {
          reads.push(afterSequence);
          return property === 'readAfter' ? target.readAfter(afterSequence, limit) : target.readRawAfter(afterSequence, limit);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
});

after(async () => {
  await bus.close();
  await store.close();
});

test('folds the log in, follows the doorbell, and writes a snapshot every N events', async () => {
  const writer = new StateFollower({ store, bus, snapshotEvery: 5 });
  const snapshots: number[] = [];
  writer.on('snapshot', (sequence: number) => snapshots.push(sequence));
  await store.append(['a', 'b'].map(serviceEvent));
  await writer.start();
  assert.equal(writer.sequence, 2);
  assert.deepEqual([...writer.current.byKind.Service.keys()].sort(), ['demo/a', 'demo/b']);

  const { written } = await store.append(['c', 'd', 'e', 'f'].map(serviceEvent));
  const head = written[written.length - 1].sequence;
  const snapshotted = new Promise((resolve) => writer.once('snapshot', resolve));
  await bus.ringDoorbell({ head });
  await writer.waitFor(head);
  await snapshotted;
  assert.equal(writer.current.byKind.Service.size, 6);
  assert.deepEqual(snapshots, [6]);
  const saved = await store.loadSnapshot(MESH_STATE_SNAPSHOT);
  assert.equal(saved?.sequence, 6);
  await writer.close();
});

test('a new follower starts from the snapshot and reads only the tail after it', async () => {
  await store.append(['g', 'h'].map(serviceEvent));
  const reads: number[] = [];
  const reader = new StateFollower({ store: recordingStore(reads), bus });
  await reader.start();
  assert.equal(reader.sequence, 8);
  assert.equal(reader.current.byKind.Service.size, 8);
  assert.equal(reads[0], 6, 'the first read starts after the snapshot, not at event 0');
  assert.ok(reads.every((after) => after >= 6));
  await reader.close();
});

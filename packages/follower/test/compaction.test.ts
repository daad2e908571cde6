/**
 * The compacting fold (parse only the last event of each object) against the plain one
 * (`evolve` event by event), on a real PGlite log with updates, deletes and re-creations; the
 * snapshot text built in slices; and `rebuildSnapshot`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessBus } from '@meshgate/bus';
import { openEventStore, type EventStore, type NewEvent } from '@meshgate/eventlog';
import { deserialiseState, digestOf, evolve, initialState, objectKey, serialiseState, validateDocument, type MeshState } from '@meshgate/model';
import { LogCompactor, MESH_STATE_SNAPSHOT, rebuildSnapshot, serialiseStateJson, StateFollower } from '../src/index.js';

let store: EventStore;

function service(name: string, port: number): NewEvent {
  const result = validateDocument({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo' }, spec: { ports: [{ port }] } });
  assert.ok(result.valid);
  return { streamId: objectKey(result.value), type: 'ResourceApplied', data: { object: result.value, digest: digestOf(result.value), source: 'test' } };
}

function deleted(name: string): NewEvent {
  const ref = { kind: 'Service', namespace: 'demo', name };
  return { streamId: objectKey(ref as never), type: 'ResourceDeleted', data: { ref, source: 'test' } };
}

async function plainFold(): Promise<MeshState> {
  let state = initialState();
  for (const event of await store.readAfter(0, 100_000)) state = evolve(state, event.sequence, event);
  return state;
}

function sameState(actual: MeshState, expected: MeshState): void {
  assert.deepEqual(serialiseState(actual), serialiseState(expected));
}

before(async () => {
  store = await openEventStore({ memory: true });
  // a: updated twice; b: deleted; c: deleted and created again (its creation starts over); d: once.
  await store.append([service('a', 1), service('b', 1), service('c', 1), { streamId: 'ca/x', type: 'CertificateIssued', data: { serial: '01' } }]);
  await store.append([service('a', 2), deleted('b'), deleted('c'), service('d', 1)]);
  await store.append([service('c', 2), service('a', 3), service('c', 3)]);
});

after(async () => {
  await store.close();
});

test('parsing only the last event of each object gives the state the plain fold gives, creation sequences included', async () => {
  const compactor = new LogCompactor();
  for (const event of await store.readRawAfter(0, 100)) compactor.add(event);
  const state = initialState();
  assert.equal(compactor.applyTo(state), true);
  sameState(state, await plainFold());
  assert.equal(state.createdSequence.get('Service/demo/c'), 9, 'c was created again at 9');
  assert.equal(state.createdSequence.get('Service/demo/a'), 1);
  assert.equal(state.byKind.Service.has('demo/b'), false);

  // Folded in two runs over a state that already holds the first part.
  const first = new LogCompactor();
  const second = new LogCompactor();
  for (const event of await store.readRawAfter(0, 5)) first.add(event);
  for (const event of await store.readRawAfter(5, 100)) second.add(event);
  const split = initialState();
  assert.ok(first.applyTo(split) && second.applyTo(split));
  sameState(split, await plainFold());
});

test('an event that is not on its object’s stream makes the compactor refuse, and the follower folds event by event', async () => {
  const other = service('e', 1);
  await store.append([{ ...other, streamId: 'Service/demo/not-e' }]);
  const compactor = new LogCompactor();
  for (const event of await store.readRawAfter(0, 100)) compactor.add(event);
  const untouched = initialState();
  assert.equal(compactor.applyTo(untouched), false);
  assert.equal(untouched.sequence, 0);

  const bus = new InProcessBus();
  const follower = new StateFollower({ store, bus });
  try {
    await follower.start();
    sameState(follower.current, await plainFold());
    assert.ok(follower.current.byKind.Service.has('demo/e'));
  } finally {
    await follower.close();
    await bus.close();
  }
});

test('the snapshot text built in slices is JSON.stringify of serialiseState', async () => {
  const state = await plainFold();
  assert.equal(await serialiseStateJson(state), JSON.stringify(serialiseState(state)));
  assert.equal(await serialiseStateJson(initialState()), JSON.stringify(serialiseState(initialState())));
});

test('rebuildSnapshot replaces a wrong snapshot with the state folded from event 1', async () => {
  const head = await store.headSequence();
  await store.saveSnapshot({ name: MESH_STATE_SNAPSHOT, sequence: head, state: { format: 2, sequence: head, objects: [], created: {} } });
  const result = await rebuildSnapshot(store, { batchSize: 4 });
  assert.equal(result.sequence, head);
  assert.equal(result.events, head);
  const saved = await store.loadSnapshot(MESH_STATE_SNAPSHOT);
  assert.equal(saved?.sequence, head);
  sameState(deserialiseState(saved?.state), await plainFold());
  assert.equal(result.objects, (await plainFold()).byKind.Service.size);
});

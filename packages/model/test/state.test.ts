import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  KINDS,
  SnapshotFormatError,
  cloneState,
  deserialiseState,
  digestOf,
  evolve,
  initialState,
  isKind,
  objectKey,
  parseObjectKey,
  refOf,
  serialiseState,
  type MeshObject,
  type MeshState,
} from '../src/index.js';
import { ALL_VALID_MANIFESTS, SERVICE_HTTPBIN } from './fixtures/valid-documents.js';
import { validOne } from './helpers.js';

const objects: MeshObject[] = Object.values(ALL_VALID_MANIFESTS).map((text) => validOne(text));

function applied(object: MeshObject) {
  return { type: 'ResourceApplied' as const, data: { object, digest: digestOf(object), source: 'test' } };
}

function stateWithAll(): MeshState {
  return objects.reduce((state, object, index) => evolve(state, index + 1, applied(object)), initialState());
}

describe('object keys', () => {
  it('names objects Kind/namespace/name, with an empty namespace for Namespaces', () => {
    const service = validOne(SERVICE_HTTPBIN);
    assert.equal(objectKey(service), 'Service/web/httpbin');
    assert.equal(objectKey(refOf(service)), 'Service/web/httpbin');
    assert.equal(objectKey({ kind: 'Namespace', namespace: 'ignored', name: 'web' }), 'Namespace//web');
    assert.deepEqual(parseObjectKey('Service/web/httpbin'), { kind: 'Service', namespace: 'web', name: 'httpbin' });
    assert.deepEqual(parseObjectKey('Namespace//web'), { kind: 'Namespace', namespace: '', name: 'web' });
    for (const bad of ['Service//httpbin', 'Namespace/x/web', 'CronJob/web/x', 'IngressClass/x/istio', 'Service/web', 'Service/web/']) assert.equal(parseObjectKey(bad), undefined, bad);
    assert.deepEqual(parseObjectKey('IngressClass//istio'), { kind: 'IngressClass', namespace: '', name: 'istio' });
  });

  it('knows its kinds', () => {
    assert.ok(KINDS.every((kind) => isKind(kind)));
    assert.equal(isKind('CronJob'), false);
    assert.equal(isKind('service'), false);
    assert.equal(isKind('Secret'), true, 'a Secret is a kind: the log holds its key names and digests, never the bytes');
    assert.equal(new Set(KINDS).size, KINDS.length);
  });
});

describe('evolve', () => {
  it('folds applies and deletes into maps keyed namespace/name', () => {
    const state = stateWithAll();
    assert.equal(state.sequence, objects.length);
    assert.deepEqual([...state.byKind.Namespace.keys()], ['/web']);
    assert.deepEqual([...state.byKind.Pod.keys()].sort(), ['web/httpbin-0', 'web/httpbin-1']);
    assert.deepEqual([...state.byKind.Gateway.keys()].sort(), ['istio-system/egress', 'istio-system/ingress']);

    evolve(state, 100, { type: 'ResourceDeleted', data: { ref: { kind: 'Pod', namespace: 'web', name: 'httpbin-1' }, source: 'test' } });
    evolve(state, 101, { type: 'ResourceDeleted', data: { ref: { kind: 'Namespace', namespace: '', name: 'web' }, source: 'test' } });
    assert.deepEqual([...state.byKind.Pod.keys()], ['web/httpbin-0']);
    assert.equal(state.byKind.Namespace.size, 0);
    assert.equal(state.sequence, 101);
  });

  it('replaces an object applied again', () => {
    const state = stateWithAll();
    const service = validOne(SERVICE_HTTPBIN.replace('port: 9000', 'port: 9001'));
    evolve(state, 50, applied(service));
    assert.equal(state.byKind.Service.get('web/httpbin')?.spec.ports[1].port, 9001);
    assert.equal(state.byKind.Service.size, 1);
  });

  it('records when each object was created: kept by updates, forgotten by deletes', () => {
    const state = stateWithAll();
    assert.equal(state.createdSequence.get('Service/web/httpbin'), 2);
    evolve(state, 40, applied(validOne(SERVICE_HTTPBIN.replace('port: 9000', 'port: 9001'))));
    assert.equal(state.createdSequence.get('Service/web/httpbin'), 2, 'an update is not a creation');
    evolve(state, 41, { type: 'ResourceDeleted', data: { ref: { kind: 'Service', namespace: 'web', name: 'httpbin' }, source: 'test' } });
    assert.equal(state.createdSequence.has('Service/web/httpbin'), false);
    evolve(state, 42, applied(validOne(SERVICE_HTTPBIN)));
    assert.equal(state.createdSequence.get('Service/web/httpbin'), 42);
    evolve(state, 43, { type: 'ResourceDeleted', data: { ref: { kind: 'Namespace', namespace: 'ignored', name: 'web' }, source: 'test' } });
    assert.equal(state.createdSequence.has('Namespace//web'), false, 'cluster-scoped refs are keyed without their namespace');
    const clone = cloneState(state);
    evolve(clone, 44, { type: 'ResourceDeleted', data: { ref: { kind: 'Service', namespace: 'web', name: 'httpbin' }, source: 'test' } });
    assert.equal(state.createdSequence.get('Service/web/httpbin'), 42, 'a clone has its own creation map');
  });

  it('mutates and returns the state it is given; cloneState keeps an old view', () => {
    const state = stateWithAll();
    const before = cloneState(state);
    const returned = evolve(state, 60, { type: 'ResourceDeleted', data: { ref: { kind: 'Service', namespace: 'web', name: 'httpbin' }, source: 'test' } });
    assert.equal(returned, state);
    assert.equal(state.byKind.Service.size, 0);
    assert.equal(before.byKind.Service.size, 1);
    assert.equal(before.sequence, objects.length);
  });

  it('ignores other event types and malformed events but advances the sequence', () => {
    const state = stateWithAll();
    const snapshotBefore = JSON.stringify(serialiseState(state).objects);
    evolve(state, 70, { type: 'CertificateIssued', data: { serial: '01', sans: ['a'] } });
    evolve(state, 71, { type: 'ResourceApplied', data: { object: { kind: 'CronJob', metadata: { name: 'x', namespace: 'web' } } } });
    evolve(state, 72, { type: 'ResourceApplied', data: 'not an object' });
    evolve(state, 73, { type: 'ResourceDeleted', data: { ref: { kind: 'Service', name: '' } } });
    assert.equal(JSON.stringify(serialiseState(state).objects), snapshotBefore);
    assert.equal(state.sequence, 73);
  });
});

describe('snapshots', () => {
  it('round-trip through JSON text', () => {
    const state = stateWithAll();
    const text = JSON.stringify(serialiseState(state));
    const restored = deserialiseState(text);
    assert.equal(restored.sequence, state.sequence);
    for (const kind of KINDS) assert.deepEqual(new Map<string, MeshObject>([...restored.byKind[kind]].sort()), new Map<string, MeshObject>([...state.byKind[kind]].sort()), kind);
    assert.equal(JSON.stringify(serialiseState(restored)), text, 'serialising again gives the same bytes');
  });

  it('list the same objects in the same order whatever the order of events; creation order is kept beside them', () => {
    const forwards = stateWithAll();
    const backwards = [...objects].reverse().reduce((state, object, index) => evolve(state, index + 1, applied(object)), initialState());
    assert.equal(JSON.stringify(serialiseState(backwards).objects), JSON.stringify(serialiseState(forwards).objects));
    assert.equal(serialiseState(forwards).created['Namespace//web'], 1);
    assert.equal(serialiseState(backwards).created['Namespace//web'], objects.length);
    assert.deepEqual(Object.keys(serialiseState(forwards).created), [...Object.keys(serialiseState(forwards).created)].sort(), 'keys sorted');
  });

  it('restore creation order, and read format-1 snapshots (objects only) as created at 0', () => {
    const state = stateWithAll();
    const restored = deserialiseState(JSON.stringify(serialiseState(state)));
    assert.deepEqual([...restored.createdSequence].sort(), [...state.createdSequence].sort());
    const formatOne = { format: 1, sequence: state.sequence, objects: serialiseState(state).objects };
    const fromOld = deserialiseState(formatOne);
    assert.equal(fromOld.sequence, state.sequence);
    assert.equal(fromOld.byKind.Service.size, 1);
    assert.ok([...fromOld.createdSequence.values()].every((sequence) => sequence === 0));
    assert.equal(fromOld.createdSequence.size, objects.length);
  });

  it('accept the parsed object as well as text, and an empty state', () => {
    const empty = deserialiseState(serialiseState(initialState()));
    assert.equal(empty.sequence, 0);
    assert.ok(KINDS.every((kind) => empty.byKind[kind].size === 0));
  });

  it('refuse what is not a snapshot', () => {
    const good = serialiseState(stateWithAll());
    const bad: unknown[] = [
      'not json',
      '[]',
      { ...good, format: 3 },
      { ...good, sequence: -1 },
      { ...good, objects: {} },
      { ...good, objects: [{ kind: 'Pod', metadata: { name: 'x' } }] },
      { ...good, created: [] },
      { ...good, created: { ...good.created, 'Service/web/httpbin': -4 } },
    ];
    for (const value of bad) assert.throws(() => deserialiseState(value), SnapshotFormatError, JSON.stringify(value));
  });
});

/** Planning what to publish, and the change ids, as pure functions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeId, desiredObjects, planChanges, readManifest, type ObservedObject } from '../src/index.js';

function objects(file: string, text: string): ObservedObject[] {
  const result = readManifest(file, text);
  assert.ok(result.ok, `fixture ${file} parses`);
  return result.objects;
}

const NS = 'kind: Namespace\nmetadata: {name: shop}\n';
const WEB = 'kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n';
const WEB_8080 = 'kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 8080}]}\n';
const API = 'kind: Service\nmetadata: {name: api, namespace: shop}\n';

function publishedFrom(files: Map<string, ObservedObject[]>) {
  return new Map(
    [...desiredObjects(files).desired].map(([key, object]) => [
      key,
      { kind: object.kind, namespace: object.namespace, name: object.name, digest: object.digest, file: object.file },
    ]),
  );
}

describe('planChanges', () => {
  it('applies new and changed objects, deletes vanished ones, and leaves the rest alone', () => {
    const before = new Map([['a.yaml', objects('a.yaml', `${WEB}---\n${API}`)]]);
    const now = new Map([['a.yaml', objects('a.yaml', `${WEB_8080}---\n${NS}`)]]);
    const plan = planChanges(publishedFrom(before), desiredObjects(now).desired);
    assert.deepEqual(
      plan.map((change) => `${change.op} ${change.key}`),
      ['apply Namespace//shop', 'apply Service/shop/web', 'delete Service/shop/api'],
    );
  });

  it('publishes nothing when nothing changed', () => {
    const files = new Map([['a.yaml', objects('a.yaml', `${WEB}---\n${API}`)]]);
    assert.deepEqual(planChanges(publishedFrom(files), desiredObjects(files).desired), []);
  });

  it('publishes nothing when an object moves to another file unchanged', () => {
    const before = new Map([['a.yaml', objects('a.yaml', `${WEB}---\n${API}`)]]);
    const now = new Map([
      ['a.yaml', objects('a.yaml', WEB)],
      ['b.yaml', objects('b.yaml', API)],
    ]);
    assert.deepEqual(planChanges(publishedFrom(before), desiredObjects(now).desired), []);
  });

  it('deletes Namespaces last', () => {
    const before = new Map([['a.yaml', objects('a.yaml', `${NS}---\n${WEB}`)]]);
    const plan = planChanges(publishedFrom(before), new Map());
    assert.deepEqual(plan.map((change) => `${change.op} ${change.key}`), ['delete Service/shop/web', 'delete Namespace//shop']);
  });
});

describe('desiredObjects', () => {
  it('takes an object declared in two files from the first in path order, and reports the other', () => {
    const files = new Map([
      ['z.yaml', objects('z.yaml', WEB_8080)],
      ['a.yaml', objects('a.yaml', WEB)],
    ]);
    const { desired, conflicts } = desiredObjects(files);
    assert.equal(desired.get('Service/shop/web')?.file, 'a.yaml');
    assert.deepEqual(conflicts, [{ key: 'Service/shop/web', kept: 'a.yaml', ignored: 'z.yaml' }]);
  });
});

describe('changeId', () => {
  it('is the same for the same step of the same history', () => {
    assert.equal(changeId('', 'apply', 'Service/shop/web', 'd1'), changeId('', 'apply', 'Service/shop/web', 'd1'));
  });

  it('differs at every step, even when content returns to an earlier state', () => {
    const first = changeId('', 'apply', 'Service/shop/web', 'd1');
    const second = changeId(first, 'apply', 'Service/shop/web', 'd2');
    const reverted = changeId(second, 'apply', 'Service/shop/web', 'd1');
    const deleted = changeId(reverted, 'delete', 'Service/shop/web', 'd1');
    const recreated = changeId(deleted, 'apply', 'Service/shop/web', 'd1');
    assert.equal(new Set([first, second, reverted, deleted, recreated]).size, 5);
    assert.notEqual(changeId('', 'apply', 'Service/shop/api', 'd1'), first, 'the object is part of the id');
  });
});

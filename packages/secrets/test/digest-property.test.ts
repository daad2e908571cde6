/**
 * Properties of how a Secret becomes digests (fast-check): whatever the keys and bytes, the
 * validated object's digests are those of the payload the api stores, `stringData` wins over
 * `data`, the payload digest does not depend on key order, and no value appears in the object.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { secretPayloadOf, validateDocument } from '@meshgate/model';
import { keyDigestsOf, payloadDigestOf } from '../src/index.js';

const keyArbitrary = fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/).filter((key) => key !== '.' && key !== '..');
const payloadArbitrary = fc.dictionary(keyArbitrary, fc.uint8Array({ minLength: 1, maxLength: 64 }), { minKeys: 1, maxKeys: 6 });

test('the object holds the digests of exactly the payload stored; stringData wins; no value leaks', () => {
  fc.assert(
    fc.property(payloadArbitrary, fc.dictionary(keyArbitrary, fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0')), { maxKeys: 3 }), (data, stringData) => {
      const document = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'property', namespace: 'istio-system' },
        data: Object.fromEntries(Object.entries(data).map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')])),
        stringData,
      };
      const result = validateDocument(document);
      assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
      assert.equal(result.value.kind, 'Secret');
      const payload = secretPayloadOf(document);
      const expected = new Map(Object.entries(data).map(([key, bytes]) => [key, Buffer.from(bytes)]));
      for (const [key, text] of Object.entries(stringData)) expected.set(key, Buffer.from(text, 'utf8'));
      assert.deepEqual(new Map([...payload].sort()), new Map([...expected].sort()));
      if (result.value.kind !== 'Secret') return;
      assert.deepEqual(result.value.data, keyDigestsOf(payload));
      const shown = JSON.stringify(result.value);
      for (const value of Object.values(document.data)) if (value.length >= 12) assert.ok(!shown.includes(value));
    }),
    { numRuns: 200 },
  );
});

test('the payload digest depends on the content only, not on key order', () => {
  fc.assert(
    fc.property(payloadArbitrary, (data) => {
      const entries = Object.entries(data).map(([key, bytes]) => [key, Buffer.from(bytes)] as [string, Buffer]);
      const forward = payloadDigestOf(keyDigestsOf(new Map(entries)));
      const backward = payloadDigestOf(keyDigestsOf(new Map([...entries].reverse())));
      assert.equal(forward, backward);
      const [firstKey, firstBytes] = entries[0];
      const changed = new Map(entries).set(firstKey, Buffer.concat([firstBytes, Buffer.from([1])]));
      assert.notEqual(payloadDigestOf(keyDigestsOf(changed)), forward);
    }),
    { numRuns: 200 },
  );
});

test('a key named __proto__ is a key like any other (found by the property above)', () => {
  const document = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'proto', namespace: 'istio-system' }, data: Object.fromEntries([['__proto__', 'AA==']]) };
  const result = validateDocument(document);
  assert.ok(result.valid && result.value.kind === 'Secret');
  const digests = keyDigestsOf(secretPayloadOf(document));
  assert.deepEqual(Object.keys(digests), ['__proto__']);
  assert.deepEqual(result.value.data, digests);
});

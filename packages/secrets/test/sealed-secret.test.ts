/**
 * A Secret sealed for the bus (fast-check): whatever its values, opening gives back the same
 * object, the sealed form holds no value (as text or base64), and it opens only under the
 * identity and the key it was sealed with.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { isSealedSecret, openSealedSecret, sealSecret, SecretCipher } from '../src/index.js';

const keyArbitrary = fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/).filter((key) => key !== '__proto__');
const valueArbitrary = fc.string({ minLength: 8, maxLength: 64 });

test('opens to the object sealed; holds no value; opens under its own identity and key only', () => {
  const cipher = new SecretCipher(randomBytes(32));
  const other = new SecretCipher(randomBytes(32));
  fc.assert(
    fc.property(fc.dictionary(keyArbitrary, valueArbitrary, { minKeys: 1, maxKeys: 5 }), fc.dictionary(keyArbitrary, valueArbitrary, { maxKeys: 2 }), (values, generatedStringData) => {
      // Plain objects, as JSON gives them (fast-check's dictionaries have no prototype).
      const stringData = JSON.parse(JSON.stringify(generatedStringData)) as Record<string, string>;
      const data = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
      const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cred', namespace: 'istio-system', labels: { app: 'x' } }, type: 'Opaque', data, ...(Object.keys(stringData).length > 0 ? { stringData } : {}) };
      const sealed = sealSecret(cipher, object, 'istio-system', 'cred');
      assert.ok(isSealedSecret(sealed));
      assert.deepEqual(sealed.metadata, object.metadata);
      const text = JSON.stringify(sealed);
      for (const value of [...Object.values(values), ...Object.values(data), ...Object.values(stringData)]) assert.ok(!text.includes(JSON.stringify(value).slice(1, -1)));
      assert.deepEqual(openSealedSecret(cipher, sealed, 'istio-system', 'cred'), object);
      assert.throws(() => openSealedSecret(cipher, sealed, 'istio-system', 'cred-cacert'), /does not decrypt/);
      assert.throws(() => openSealedSecret(other, sealed, 'istio-system', 'cred'), /does not decrypt/);
    }),
    { numRuns: 100 },
  );
});

test('an object without sealed values is left as it is', () => {
  const cipher = new SecretCipher(randomBytes(32));
  const plain = { kind: 'Secret', metadata: { name: 'a' }, data: {} };
  assert.equal(isSealedSecret(plain), false);
  assert.equal(openSealedSecret(cipher, plain, 'default', 'a'), plain);
});

/** Applied Secrets' payloads on PGlite and on the real Postgres: encrypted, named by content, removed precisely. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { createTestDatabase, type TestDatabase } from '@meshgate/testkit';
import { AppliedSecretPayloads, keyDigestsOf, payloadDigestOf, SecretCipher } from '../src/index.js';

const REF = { namespace: 'istio-system', name: 'httpbin-credential' };

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`AppliedSecretPayloads on ${backend}`, () => {
    let store: EventStore;
    let payloads: AppliedSecretPayloads;
    let database: TestDatabase | undefined;
    before(async () => {
      if (backend === 'postgres') database = await createTestDatabase('mg_secrets');
      store = await openEventStore(database === undefined ? { memory: true } : { databaseUrl: database.url });
      payloads = new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) });
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('stores bytes encrypted under a content-named row, and reads them back exactly', async () => {
      const bytes = new Map([
        ['tls.key', Buffer.from('private material')],
        ['bin', Buffer.from([0, 255, 1])],
      ]);
      const digest = await payloads.put(REF, 'Opaque', bytes);
      assert.equal(digest, payloadDigestOf(keyDigestsOf(bytes)));
      const [row] = await store.listSecrets('kubernetes-secret/');
      assert.equal(row.name, `kubernetes-secret/istio-system/httpbin-credential/${digest}`);
      const stored = await store.getSecret(row.name);
      assert.ok(stored && !stored.ciphertext.includes(Buffer.from('private material').toString('base64')) && !JSON.stringify(stored.meta).includes('private'));
      assert.deepEqual(await payloads.read(REF, digest), bytes);
      assert.equal(await payloads.read(REF, 'f'.repeat(64)), null);
      // The same content again is the same row.
      assert.equal(await payloads.put(REF, 'Opaque', bytes), digest);
      assert.equal((await store.listSecrets('kubernetes-secret/')).length, 1);
    });

    it('removes one version, or every version of one Secret only', async () => {
      const first = await payloads.put(REF, 'Opaque', new Map([['a', Buffer.from('1')]]));
      const second = await payloads.put(REF, 'Opaque', new Map([['a', Buffer.from('2')]]));
      const neighbour = { namespace: 'istio-system', name: 'httpbin' };
      const kept = await payloads.put(neighbour, 'Opaque', new Map([['a', Buffer.from('3')]]));
      assert.equal(await payloads.remove(REF, first), true);
      assert.equal(await payloads.has(REF, first), false);
      assert.ok(await payloads.has(REF, second));
      assert.equal(await payloads.removeAllBut(REF), 2); // `second` and the row of the first test
      assert.ok(await payloads.has(neighbour, kept), 'a Secret whose name is a prefix of another keeps its rows');
    });
  });
}

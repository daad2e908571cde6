/** The secret store on PGlite: encrypted round trip, events without material, and a stale writer refused. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConcurrencyError, openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { SecretCipher } from '../src/cipher.js';
import { SECRET_DELETED, SECRET_PUBLISHED, secretDigest, secretStreamId, SecretStore, type SecretRef } from '../src/store.js';

const REF: SecretRef = { namespace: 'edge', name: 'client-cert' };
const DATA = { 'tls.crt': 'certificate text', 'tls.key': `key material ${randomBytes(16).toString('hex')}`, 'ca.crt': 'roots' };

let store: EventStore;
let secrets: SecretStore;

before(async () => {
  store = await openEventStore({ memory: true });
  secrets = new SecretStore({ store, cipher: new SecretCipher(randomBytes(32)), logger: pino({ level: 'silent' }) });
});
after(async () => {
  await store?.close();
});

describe('SecretStore', () => {
  test('publish then read: the data comes back; the event holds key names and the digest only', async () => {
    await secrets.publish(REF, { type: 'kubernetes.io/tls', data: DATA, owner: 'test', details: { purpose: 'test' }, reason: 'created', certificateSerial: 'ab12', expectedVersion: 0 });
    const read = await secrets.read(REF);
    assert.ok(read);
    assert.deepEqual(read.data, DATA);
    assert.deepEqual(read.meta.keys, ['ca.crt', 'tls.crt', 'tls.key']);
    assert.equal(read.meta.digest, secretDigest(DATA));
    assert.deepEqual(read.meta.details, { purpose: 'test' });
    const [event] = await store.readStream(secretStreamId(REF));
    assert.equal(event.type, SECRET_PUBLISHED);
    assert.ok(!JSON.stringify(event).includes(DATA['tls.key']));
    assert.deepEqual(await secrets.list(), [{ ref: REF, meta: read.meta }]);
  });

  test('a publisher that decided on an old stream version is refused, and the stored secret stays', async () => {
    const stale = secrets.publish(REF, { type: 'kubernetes.io/tls', data: { ...DATA, 'tls.key': 'other' }, owner: 'test', details: {}, reason: 'renewal', expectedVersion: 0 });
    await assert.rejects(stale, ConcurrencyError);
    assert.equal((await secrets.read(REF))?.data['tls.key'], DATA['tls.key']);
    assert.equal(await secrets.streamVersion(REF), 1);
  });

  test('names Kubernetes would refuse are refused before anything is written', async () => {
    const events = await store.countEvents();
    await assert.rejects(secrets.publish({ namespace: 'Edge', name: 'x' }, { type: 't', data: {}, owner: 'test', details: {}, reason: 'created' }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'secret.namespace' });
    await assert.rejects(secrets.publish({ namespace: 'edge', name: 'a/b' }, { type: 't', data: {}, owner: 'test', details: {}, reason: 'created' }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'secret.name' });
    assert.equal(await store.countEvents(), events);
  });

  test('delete records SecretDeleted and removes the secret; deleting nothing writes nothing', async () => {
    assert.equal(await secrets.delete(REF, 'test'), true);
    assert.equal(await secrets.read(REF), null);
    assert.equal((await store.readStream(secretStreamId(REF))).at(-1)?.type, SECRET_DELETED);
    const events = await store.countEvents();
    assert.equal(await secrets.delete(REF, 'test'), false);
    assert.equal(await store.countEvents(), events);
  });
});

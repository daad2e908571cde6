/**
 * Secrets the Kubernetes watcher seals for the bus: the api's ingestion opens them with the
 * deployment key before apply (the log holds digests, the secrets table the bytes); a Secret
 * sealed under another key, or moved onto another Secret's identity, is refused and
 * acknowledged, naming no value.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ResourceChanged } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { AppliedSecretPayloads, SecretCipher, sealSecret } from '@meshgate/secrets';
import { eventually, startHarness, type Harness } from './harness.js';

const VALUE = 'password=sealed-on-the-bus';

function sealedChange(id: string, cipher: SecretCipher, name: string, sealedAs = name): ResourceChanged {
  const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'httpbin' }, type: 'Opaque', data: { 'app.properties': Buffer.from(VALUE).toString('base64') } };
  return { id, source: 'kubernetes:https://cluster', op: 'apply', kind: 'Secret', namespace: 'httpbin', name, object: { ...sealSecret(cipher, object, 'httpbin', sealedAs), metadata: object.metadata } };
}

describe('bus ingestion of sealed Secrets', () => {
  const cipher = new SecretCipher(randomBytes(32));
  let store: EventStore;
  let h: Harness;

  before(async () => {
    store = await openEventStore({ memory: true });
    h = await startHarness({ store, secretPayloads: new AppliedSecretPayloads({ store, cipher }) });
  });

  after(async () => {
    await h.close();
    await store.close();
  });

  async function secretStatus(name: string): Promise<number> {
    return (await h.inject({ method: 'GET', url: `/v1/resources/secrets/httpbin/${name}` })).statusCode;
  }

  it('opens a sealed Secret with the deployment key and applies it', async () => {
    await h.bus.publishChange(sealedChange('s-1', cipher, 'app-config'));
    await eventually('the Secret to appear', async () => ((await secretStatus('app-config')) === 200 ? true : undefined));
    const view = (await h.inject({ method: 'GET', url: '/v1/resources/secrets/httpbin/app-config' })).json<{ data: Record<string, { sha256: string }> }>();
    assert.equal(view.data['app.properties'].sha256, createHash('sha256').update(VALUE).digest('hex'));
  });

  it('refuses a Secret sealed under another key or another identity, and says where', async () => {
    await h.bus.publishChange(sealedChange('s-2', new SecretCipher(randomBytes(32)), 'other-key'));
    await h.bus.publishChange(sealedChange('s-3', cipher, 'moved', 'app-config'));
    await h.bus.publishChange(sealedChange('s-4', cipher, 'marker'));
    await eventually('the marker to appear', async () => ((await secretStatus('marker')) === 200 ? true : undefined));
    assert.equal(await secretStatus('other-key'), 404);
    assert.equal(await secretStatus('moved'), 404);
    const refusals = h.logs.filter((record) => record.msg === 'refused an invalid change; acknowledged so that it is not retried');
    assert.deepEqual(refusals.map((record) => record.name).sort(), ['moved', 'other-key']);
    for (const record of refusals) assert.match(JSON.stringify(record.errors), /object\.sealed.*does not open/);
    assert.ok(!JSON.stringify(h.logs).includes(VALUE) && !JSON.stringify(h.logs).includes(Buffer.from(VALUE).toString('base64')), 'no log line holds the value');
  });
});

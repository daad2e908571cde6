/**
 * Several CA processes on one real Postgres database: they agree on one root when they start at
 * once, and a rotation made by one reaches the others (directly, and through the NATS doorbell).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { openBus, type Bus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { loadCaSettings } from '@meshgate/runtime';
import { createTestDatabase, natsUrl, uniqueName, type TestDatabase } from '@meshgate/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startCaService, type RunningCaService } from '../src/service.js';
import { SIGNER_SECRET_PREFIX } from '../src/signer-store.js';
import { TRUST_BUNDLE_STREAM } from '../src/types.js';
import { capturingLogger, openTestCa, tempDir, type TempDir, type TestCa } from './helpers.js';

let database: TestDatabase;
const stores: EventStore[] = [];
const encryptionKey = randomBytes(32);

before(async () => {
  database = await createTestDatabase('mg_ca_pg');
});
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await database?.drop();
});

/** A store of its own (its own connection pool), as a separate process would have. */
async function openStore(): Promise<EventStore> {
  const store = await openEventStore({ databaseUrl: database.url });
  stores.push(store);
  return store;
}

test('four CAs starting at once on one database end with the same single root', async () => {
  const peers = await Promise.all([1, 2, 3, 4].map(() => openStore()));
  const cas: TestCa[] = await Promise.all(peers.map((store) => openTestCa({ store, encryptionKey })));
  try {
    const bundles = await Promise.all(cas.map((c) => c.ca.trustBundle()));
    for (const bundle of bundles) assert.deepEqual(bundle, bundles[0]);
    assert.equal(bundles[0].roots.length, 1);
    assert.equal((await peers[0].readStream(TRUST_BUNDLE_STREAM)).length, 1, 'one TrustBundleChanged: the others lost and adopted it');
    const secrets = await peers[0].listSecrets(SIGNER_SECRET_PREFIX);
    assert.deepEqual(secrets.map((s) => s.name), [`${SIGNER_SECRET_PREFIX}${bundles[0].roots[0].fingerprintSha256}`], "the losers' keys were removed");

    // Any of them issues under that root.
    const issued = await Promise.all(cas.map((c) => c.ca.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'api' })));
    for (const leaf of issued) assert.equal(leaf.caPem, bundles[0].pem);
  } finally {
    await Promise.all(cas.map((c) => c.close()));
  }
});

test('a CA that read the empty bundle before another created the root loses the append, drops its key and adopts the root', async () => {
  const fresh = await createTestDatabase('mg_ca_pg_gate');
  const [storeA, storeB] = [await openEventStore({ databaseUrl: fresh.url }), await openEventStore({ databaseUrl: fresh.url })];
  const logLines: string[] = [];
  try {
    // B's first read of the bundle is held back until A has created the root: B saw "no root" and
    // must now lose the append. The store is real; only the timing of one answer is arranged.
    let aOpened!: () => void;
    const opened = new Promise<void>((resolve) => (aOpened = resolve));
    const gated = new Proxy(storeB, {
      get(target, property) {
        if (property === 'readStream') {
          return async (streamId: string) => {
            const events = await target.readStream(streamId);
            await opened;
            return events;
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const bOpening = openTestCa({ store: gated, encryptionKey, logger: capturingLogger(logLines) });
    const a = await openTestCa({ store: storeA, encryptionKey });
    aOpened();
    const b = await bOpening;
    try {
      assert.deepEqual(await b.ca.trustBundle(), await a.ca.trustBundle());
      assert.ok(logLines.some((line) => line.includes('another CA process changed the trust bundle')), 'B took the conflict path');
      assert.equal((await storeA.listSecrets(SIGNER_SECRET_PREFIX)).length, 1, "B's generated key was deleted");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  } finally {
    await Promise.all([storeA.close(), storeB.close()]);
    await fresh.drop();
  }
});

test("a rotation by one CA is picked up by another's refresh", async () => {
  const [a, b] = await Promise.all([openStore(), openStore()]).then((s) => Promise.all(s.map((store) => openTestCa({ store, encryptionKey }))));
  try {
    const before = await b.ca.trustBundle();
    assert.equal(await b.ca.refresh(), false, 'nothing changed yet');
    const rotated = await a.ca.rotateRoot();
    assert.notEqual(rotated.version, before.version);
    assert.equal(await b.ca.refresh(), true);
    assert.deepEqual(await b.ca.trustBundle(), rotated);
    assert.equal(b.ca.activeSignerFingerprint, a.ca.activeSignerFingerprint);
    const leaf = await b.ca.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'renewal' });
    assert.equal(leaf.caPem, rotated.pem);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('distributed: two ca services on Postgres and NATS; a rotation through one reaches the other by the doorbell', async () => {
  const url = await natsUrl();
  const nats = { stream: uniqueName('MG_CA'), subjectPrefix: uniqueName('ca.changes'), doorbellSubject: uniqueName('ca.doorbell') };
  const dir: TempDir = await tempDir();
  const buses: Bus[] = [];
  const services: RunningCaService[] = [];
  try {
    for (const name of ['ca-1', 'ca-2']) {
      const bus = await openBus({ natsUrl: url, name, ...nats });
      buses.push(bus);
      services.push(
        await startCaService({
          config: { ca: loadCaSettings({ MESHGATE_CA_ENCRYPTION_KEY: encryptionKey.toString('hex') }), grpcPort: 0, trustDomain: 'cluster.local', dataDir: dir.path },
          store: await openStore(),
          bus,
          logger: pino({ level: 'silent' }),
          registry: new Registry(),
          allowGeneratedEncryptionKey: false,
          listen: false,
        }),
      );
    }
    const [one, two] = services;
    const rotated = await one.client.rotateRoot();
    // No signal reaches the test from the other process's refresh: poll it, with a deadline.
    const deadline = Date.now() + 10_000;
    while ((await two.client.trustBundle()).version !== rotated.version) {
      assert.ok(Date.now() < deadline, 'the second CA never picked up the rotation');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(two.ca.activeSignerFingerprint, one.ca.activeSignerFingerprint);
  } finally {
    for (const service of services) await service.stop();
    for (const bus of buses) await bus.close();
    await dir.remove();
  }
});

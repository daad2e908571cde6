/**
 * Rotation over SDS on one ADS stream: a certificate is renewed once the configured fraction of
 * its lifetime has passed (a fake clock drives the decision, so nothing waits real lifetimes),
 * and a root rotation pushes a ROOTCA holding both roots and a `default` under the new root;
 * old and new leaves both verify against the new bundle (node:crypto and openssl).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { ack, decodeSecrets, openAdsStream, type AdsTestStream, type Response } from './support/ads-client.js';
import { certificatesIn, verifiesAgainst } from './support/pem.js';
import type { MeshCa } from '@meshgate/ca';
import { clientTlsFor, openTestCa, reasonsFor, strangerRootPem } from './support/ca.js';

const run = promisify(execFile);
const NAMES = ['default', 'ROOTCA'];

let store: EventStore;
let bus: InProcessBus;
let ca: MeshCa;
let xds: XdsService;
let directory: string;
/** The clock renewal decisions read; tests move it. */
let clock = Date.now();

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  ca = await openTestCa(store, '1h');
  directory = await mkdtemp(join(tmpdir(), 'meshgate-sds-rotation-'));
  xds = new XdsService({
    store,
    bus,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry: new Registry(),
    compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' },
    host: '127.0.0.1',
    port: 0,
    securePort: 0,
    ca,
    certRenewFraction: 0.5,
    renewalCheckIntervalMs: 20,
    now: () => clock,
  });
  await xds.start();
});

after(async () => {
  await xds.stop();
  await bus.close();
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

async function subscribe(stream: AdsTestStream): Promise<Response> {
  stream.send({ type_url: TYPE_URL.secret, resource_names: NAMES });
  const response = await stream.next();
  ack(stream, response, NAMES);
  return response;
}

function leafOf(response: Response) {
  const chain = decodeSecrets(response).get('default')?.certificateChain;
  assert.ok(chain, 'the response carries default');
  return certificatesIn(chain)[0];
}

test('a certificate is renewed once the renew fraction of its lifetime has passed, on the same stream, before it expires', async () => {
  const certificates = xds.certificates;
  assert.ok(certificates);
  const identity = { serviceAccount: 'reviews', namespace: 'bookinfo' };
  const stream = openAdsStream(xds.securePort, { id: 'reviews-1', ...identity }, await clientTlsFor(ca, identity));
  try {
    const first = await subscribe(stream);
    const old = certificates.certificateOf(identity);
    assert.ok(old);
    assert.equal(leafOf(first).serialNumber.toLowerCase(), old.serialHex);
    const notBefore = Date.parse(old.notBefore);
    const notAfter = Date.parse(old.notAfter);
    const connectedAt = xds.proxies().find((p) => p.id === 'reviews-1')?.connectedAt;

    // 40% of the lifetime: not due. Two checks, so that one certainly started after the move.
    clock = notBefore + 0.4 * (notAfter - notBefore);
    await certificates.check();
    await certificates.check();
    assert.equal(certificates.certificateOf(identity)?.serialHex, old.serialHex);
    assert.deepEqual(await reasonsFor(store, 'reviews.bookinfo.cluster.local'), ['sds']);

    // 60%: the next check renews it and pushes the new `default` down the same stream.
    clock = notBefore + 0.6 * (notAfter - notBefore);
    const renewed = await stream.next();
    assert.equal(renewed.type_url, TYPE_URL.secret);
    assert.notEqual(renewed.version_info, first.version_info);
    const leaf = leafOf(renewed);
    assert.notEqual(leaf.serialNumber.toLowerCase(), old.serialHex);
    assert.ok(clock < notAfter, 'renewed before the old certificate expired');
    assert.equal(decodeSecrets(renewed).get('ROOTCA')?.trustedCa, decodeSecrets(first).get('ROOTCA')?.trustedCa, 'the bundle did not change');
    assert.deepEqual(await reasonsFor(store, 'reviews.bookinfo.cluster.local'), ['sds', 'renewal']);
    assert.equal(stream.ended, false, 'the stream was dropped');
    assert.equal(xds.proxies().find((p) => p.id === 'reviews-1')?.connectedAt, connectedAt, 'the proxy reconnected');
  } finally {
    stream.close();
  }
});

test('a root rotation pushes ROOTCA with both roots, then a `default` under the new root; old and new leaves verify', async () => {
  const stream = openAdsStream(xds.securePort, { id: 'ratings-1', serviceAccount: 'ratings', namespace: 'bookinfo' }, await clientTlsFor(ca, { serviceAccount: 'ratings', namespace: 'bookinfo' }));
  try {
    const first = await subscribe(stream);
    const oldLeaf = leafOf(first);
    const oldRoots = certificatesIn(decodeSecrets(first).get('ROOTCA')?.trustedCa ?? '');
    assert.equal(oldRoots.length, 1);

    const rotated = await ca.rotateRoot();
    const newRoot = certificatesIn(rotated.pem)[0]; // newest first

    // The bundle poll notices the rotation; read pushes until `default` is under the new root.
    const seen: Response[] = [];
    for (;;) {
      const response = await stream.next();
      ack(stream, response, NAMES);
      seen.push(response);
      if (leafOf(response).checkIssued(newRoot)) break;
    }
    const last = seen[seen.length - 1];
    const bundlePem = decodeSecrets(last).get('ROOTCA')?.trustedCa ?? '';
    assert.equal(bundlePem, rotated.pem);
    const bundle = certificatesIn(bundlePem);
    assert.deepEqual(
      bundle.map((c) => c.fingerprint256.replaceAll(':', '').toLowerCase()),
      rotated.roots.map((r) => r.fingerprintSha256),
      'ROOTCA holds the new and the old root, newest first',
    );
    assert.equal(bundle.length, 2);
    // Proxies learn the new root no later than they get a leaf signed by it.
    const firstWithNewBundle = seen.findIndex((r) => decodeSecrets(r).get('ROOTCA')?.trustedCa === rotated.pem);
    assert.ok(firstWithNewBundle >= 0 && firstWithNewBundle <= seen.length - 1);
    if (firstWithNewBundle < seen.length - 1) assert.ok(leafOf(seen[firstWithNewBundle]).checkIssued(oldRoots[0]), 'ROOTCA went first, with the old leaf');

    const newLeaf = leafOf(last);
    assert.ok(newLeaf.verify(newRoot.publicKey), 'the new leaf is signed by the new root');
    assert.equal(oldLeaf.verify(newRoot.publicKey), false, 'the old leaf is not signed by the new root');
    assert.ok(verifiesAgainst(oldLeaf, bundle), 'the old leaf verifies against the new bundle');
    assert.ok(verifiesAgainst(newLeaf, bundle), 'the new leaf verifies against the new bundle');

    // And with openssl, against the bundle as a proxy would load it.
    const bundleFile = join(directory, 'bundle.pem');
    await writeFile(bundleFile, bundlePem);
    for (const [name, leaf] of [['old', oldLeaf], ['new', newLeaf]] as const) {
      const file = join(directory, `${name}.pem`);
      await writeFile(file, leaf.toString());
      const { stdout } = await run('openssl', ['verify', '-CAfile', bundleFile, file]);
      assert.equal(stdout.trim(), `${file}: OK`);
    }
    const strangerFile = join(directory, 'stranger.pem');
    await writeFile(strangerFile, await strangerRootPem());
    await assert.rejects(run('openssl', ['verify', '-CAfile', strangerFile, join(directory, 'new.pem')]), 'a leaf verifies against another CA');

    assert.deepEqual(await reasonsFor(store, 'ratings.bookinfo.cluster.local'), ['sds', 'root-rotation']);
    assert.equal(stream.ended, false, 'the stream was dropped');
  } finally {
    stream.close();
  }
});

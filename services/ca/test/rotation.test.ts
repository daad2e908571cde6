/**
 * Root rotation: the bundle holds the old and new roots until the old one is dropped (or
 * expires), so leaves from before and after the rotation both verify in the meantime.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SIGNER_SECRET_PREFIX } from '../src/signer-store.js';
import { TRUST_BUNDLE_STREAM, type TrustBundleChangedData } from '../src/types.js';
import { certificateText, extensionsOf, openTestCa, tempDir, verifyChain, type TempDir } from './helpers.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

const identity = { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' };

describe('rotateRoot and dropInactiveRoots', () => {
  test('old and new leaves verify against the rotated bundle; after the drop only the new ones do', async () => {
    const t = await openTestCa();
    try {
      const before = await t.ca.trustBundle();
      const oldLeaf = await t.ca.issue({ identity, reason: 'api' });

      const rotated = await t.ca.rotateRoot();
      assert.equal(rotated.roots.length, 2);
      assert.notEqual(rotated.version, before.version, 'the version changes with the roots');
      assert.equal(rotated.roots[1].fingerprintSha256, before.roots[0].fingerprintSha256, 'the old root stays, after the new one');
      assert.notEqual(rotated.roots[0].fingerprintSha256, before.roots[0].fingerprintSha256);

      const newLeaf = await t.ca.issue({ identity, reason: 'renewal' });
      assert.equal(newLeaf.caPem, rotated.pem);
      // The new leaf is signed by the new root: its authority key id is the new root's key id.
      const newRootKeyId = extensionsOf(await certificateText(dir, rotated.pem)).get('X509v3 Subject Key Identifier');
      assert.equal(extensionsOf(await certificateText(dir, newLeaf.certificatePem)).get('X509v3 Authority Key Identifier')?.replace(/^keyid:/, ''), newRootKeyId);

      for (const [name, leaf] of [['old', oldLeaf], ['new', newLeaf]] as const) {
        const result = await verifyChain(dir, rotated.pem, leaf.certificatePem);
        assert.equal(result.code, 0, `${name} leaf during the rotation: ${result.stderr}`);
      }

      const dropped = await t.ca.dropInactiveRoots();
      assert.deepEqual(dropped.roots, [rotated.roots[0]]);
      assert.notEqual(dropped.version, rotated.version);
      assert.equal((await verifyChain(dir, dropped.pem, newLeaf.certificatePem)).code, 0);
      const oldAfterDrop = await verifyChain(dir, dropped.pem, oldLeaf.certificatePem);
      assert.notEqual(oldAfterDrop.code, 0, 'the old leaf no longer verifies');
      assert.match(oldAfterDrop.stderr + oldAfterDrop.stdout, /unable to get local issuer certificate/);

      // The dropped root's key is gone from the secret store; the active one stays.
      const secrets = await t.store.listSecrets(SIGNER_SECRET_PREFIX);
      assert.deepEqual(secrets.map((s) => s.name), [`${SIGNER_SECRET_PREFIX}${dropped.roots[0].fingerprintSha256}`]);

      // Each change is one TrustBundleChanged event, with fingerprints and certificates, never a key.
      const events = await t.store.readStream(TRUST_BUNDLE_STREAM);
      const data = events.map((e) => e.data as TrustBundleChangedData);
      assert.deepEqual(data.map((d) => d.reason), ['initial', 'rotation', 'drop-inactive']);
      assert.deepEqual(data.map((d) => d.roots.map((r) => r.info.fingerprintSha256)), [before, rotated, dropped].map((b) => b.roots.map((r) => r.fingerprintSha256)));
      assert.deepEqual(data.map((d) => d.version), [before.version, rotated.version, dropped.version]);
      assert.doesNotMatch(JSON.stringify(data), /PRIVATE KEY/);

      const count = await t.store.countEvents();
      assert.deepEqual(await t.ca.dropInactiveRoots(), dropped, 'nothing to drop: the same bundle');
      assert.equal(await t.store.countEvents(), count, 'and no event');
    } finally {
      await t.close();
    }
  });

  test('an expired root leaves the bundle when it is read; a leaf never outlives its root', async () => {
    const start = Date.UTC(2030, 0, 1);
    let clock = start;
    const t = await openTestCa({ now: () => new Date(clock), rootValidity: '2h' });
    try {
      const first = await t.ca.trustBundle();
      const leaf = await t.ca.issue({ identity, validity: '24h', reason: 'api' });
      assert.equal(leaf.info.notAfter, first.roots[0].notAfter, 'clamped to the root');

      clock = start + 3600_000;
      const rotated = await t.ca.rotateRoot();
      assert.equal(rotated.roots.length, 2);

      clock = start + 2 * 3600_000 + 1000; // the first root is past its notAfter
      const read = await t.ca.trustBundle();
      assert.deepEqual(read.roots.map((r) => r.fingerprintSha256), [rotated.roots[0].fingerprintSha256]);
      assert.notEqual(read.version, rotated.version);
      assert.equal(read.pem.match(/BEGIN CERTIFICATE/g)?.length, 1);
    } finally {
      await t.close();
    }
  });
});

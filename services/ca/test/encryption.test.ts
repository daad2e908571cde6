/**
 * The CA key at rest: encrypted in the secret store, readable only with the right key; a CA
 * started with another key fails clearly; and no log line ever holds a private key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { GENERATED_KEY_FILE, loadEncryptionKey, parseEncryptionKey, SecretCipher } from '@meshgate/secrets';
import { SIGNER_SECRET_PREFIX, SignerStore } from '../src/signer-store.js';
import { CaError } from '../src/types.js';
import { capturingLogger, openTestCa, tempDir, type TempDir, type TestCa } from './helpers.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

describe('the CA key in the secret store', () => {
  let t: TestCa;
  const logLines: string[] = [];
  before(async () => {
    // PGlite, as in the embedded default.
    t = await openTestCa({ backend: 'pglite', logger: capturingLogger(logLines) });
  });
  after(async () => {
    await t?.close();
  });

  test('is stored encrypted: no PEM in the ciphertext or its metadata; it decrypts only with the right key and name', async () => {
    const [summary] = await t.store.listSecrets(SIGNER_SECRET_PREFIX);
    const fingerprint = (await t.ca.trustBundle()).roots[0].fingerprintSha256;
    assert.equal(summary.name, SignerStore.secretName(fingerprint));
    const secret = await t.store.getSecret(summary.name);
    assert.ok(secret);
    assert.doesNotMatch(secret.ciphertext, /BEGIN|PRIVATE|CERTIFICATE/);
    assert.match(secret.ciphertext, /^aes-256-gcm:v1:/);
    assert.doesNotMatch(JSON.stringify(secret.meta), /BEGIN|PRIVATE/);
    assert.equal(secret.meta.fingerprintSha256, fingerprint);

    const plaintext = new SecretCipher(t.encryptionKey).decrypt(secret.ciphertext, summary.name);
    assert.match(plaintext, /BEGIN PRIVATE KEY/);
    assert.throws(() => new SecretCipher(randomBytes(32)).decrypt(secret.ciphertext, summary.name), { code: 'MG_ERR_CA_CONFIG', message: /does not decrypt/ });
    assert.throws(() => new SecretCipher(t.encryptionKey).decrypt(secret.ciphertext, `${SIGNER_SECRET_PREFIX}another`), { code: 'MG_ERR_CA_CONFIG' }, 'the name is authenticated too');
  });

  test('a second start with the same key adopts the same root; with another key it fails clearly', async () => {
    const root = (await t.ca.trustBundle()).roots[0].fingerprintSha256;
    const again = await openTestCa({ store: t.store, encryptionKey: t.encryptionKey });
    try {
      assert.equal((await again.ca.trustBundle()).roots[0].fingerprintSha256, root);
      const issued = await again.ca.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'api' });
      assert.equal(issued.caPem, (await t.ca.trustBundle()).pem);
    } finally {
      await again.close();
    }
    const count = await t.store.countEvents();
    await assert.rejects(openTestCa({ store: t.store, encryptionKey: randomBytes(32) }), (error: unknown) => {
      assert.ok(error instanceof CaError);
      assert.equal(error.code, 'MG_ERR_CA_CONFIG');
      assert.match(error.message, /does not decrypt with the configured CA encryption key/);
      return true;
    });
    assert.equal(await t.store.countEvents(), count, 'a CA that cannot start writes nothing');
  });

  test('no log line holds a private key (issuing with keys, signing, rotating, refusing)', async () => {
    await t.ca.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, keyAlgorithm: 'RSA_2048', reason: 'api' });
    await t.ca.rotateRoot();
    await assert.rejects(t.ca.issue({ dnsNames: ['x.example.com'], reason: 'api' }));
    assert.ok(logLines.some((line) => line.includes('certificate issued')), 'the issuance was logged (at debug)');
    assert.ok(logLines.some((line) => line.includes('root rotated')));
    for (const line of logLines) assert.doesNotMatch(line, /PRIVATE KEY/);
  });
});

describe('loadEncryptionKey', () => {
  const hex = randomBytes(32).toString('hex');

  test('takes 32 bytes as hex or base64, inline or from a file (raw bytes too)', async () => {
    const key = Buffer.from(hex, 'hex');
    assert.deepEqual(loadEncryptionKey({ key: hex, allowGenerated: false, dataDir: dir.path }).key, key);
    assert.deepEqual(loadEncryptionKey({ key: key.toString('base64'), allowGenerated: false, dataDir: dir.path }).key, key);
    const textFile = await dir.write('key.b64', `${key.toString('base64')}\n`);
    assert.deepEqual(loadEncryptionKey({ keyFile: textFile, allowGenerated: false, dataDir: dir.path }).key, key);
    const rawFile = dir.file('key.raw');
    await writeFile(rawFile, key);
    assert.deepEqual(loadEncryptionKey({ keyFile: rawFile, allowGenerated: false, dataDir: dir.path }).key, key);
  });

  test('refuses to start without a key outside the embedded default, and refuses keys of the wrong size', () => {
    assert.throws(() => loadEncryptionKey({ allowGenerated: false, dataDir: dir.path }), { code: 'MG_ERR_CA_CONFIG', message: /MESHGATE_CA_ENCRYPTION_KEY_FILE .* or MESHGATE_CA_ENCRYPTION_KEY/ });
    assert.throws(() => parseEncryptionKey(randomBytes(16).toString('hex'), 'MESHGATE_CA_ENCRYPTION_KEY'), { code: 'MG_ERR_CA_CONFIG', message: /^MESHGATE_CA_ENCRYPTION_KEY: expected a 32-byte key/ });
    assert.throws(() => loadEncryptionKey({ key: hex, keyFile: '/nonexistent', allowGenerated: true, dataDir: dir.path }), { code: 'MG_ERR_CA_CONFIG', message: /not both/ });
    assert.throws(() => loadEncryptionKey({ keyFile: dir.file('missing'), allowGenerated: true, dataDir: dir.path }), { code: 'MG_ERR_CA_CONFIG', message: /cannot read/ });
  });

  test('the embedded default generates a key once, 0600, in the data directory, and reads it back', async () => {
    const dataDir = dir.file('data');
    const first = loadEncryptionKey({ allowGenerated: true, dataDir });
    assert.match(first.source, /^generated /);
    const info = await stat(`${dataDir}/${GENERATED_KEY_FILE}`);
    assert.equal(info.mode & 0o777, 0o600);
    const second = loadEncryptionKey({ allowGenerated: true, dataDir });
    assert.match(second.source, /^file /);
    assert.deepEqual(second.key, first.key);
    assert.equal(first.key.length, 32);
  });
});

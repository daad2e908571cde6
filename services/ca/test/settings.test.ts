/** Settings from the environment, as main.ts reads them: defaults, spellings, and errors naming the variable. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { loadCaSettings, loadConfig } from '@meshgate/runtime';
import { GENERATED_KEY_FILE } from '@meshgate/secrets';
import { caOptionsFromConfig, parseKeyAlgorithmSetting } from '../src/settings.js';
import { tempDir, type TempDir } from './helpers.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

const key = randomBytes(32).toString('hex');

function options(env: Record<string, string>, allowGeneratedEncryptionKey = false) {
  return caOptionsFromConfig({ ca: loadCaSettings(env), trustDomain: 'cluster.local', dataDir: dir.path }, { allowGeneratedEncryptionKey });
}

test('defaults: REST on 8081, gRPC on 9090, ECDSA P-256 roots, 24h leaves up to 720h, ten-year roots', () => {
  const config = loadConfig({});
  assert.equal(config.ca.httpPort, 8081);
  assert.equal(config.grpcPort, 9090);
  assert.equal(config.ca.address, undefined);
  const settings = options({ MESHGATE_CA_ENCRYPTION_KEY: key });
  assert.deepEqual(
    { ...settings, encryptionKey: settings.encryptionKey.toString('hex') },
    {
      trustDomain: 'cluster.local',
      rootKeyAlgorithm: 'ECDSA_P256',
      defaultValidity: '24h',
      maxValidity: '720h',
      rootValidity: '87600h',
      operatorSigner: undefined,
      encryptionKey: key,
      encryptionKeySource: 'MESHGATE_CA_ENCRYPTION_KEY',
    },
  );
});

test('key algorithms in either spelling; anything else names the variable', () => {
  assert.equal(parseKeyAlgorithmSetting('rsa-2048', 'X'), 'RSA_2048');
  assert.equal(parseKeyAlgorithmSetting('RSA_4096', 'X'), 'RSA_4096');
  assert.equal(parseKeyAlgorithmSetting('ecdsa-p256', 'X'), 'ECDSA_P256');
  assert.throws(() => options({ MESHGATE_CA_ENCRYPTION_KEY: key, MESHGATE_CA_KEY_ALGORITHM: 'ed25519' }), {
    code: 'MG_ERR_CA_CONFIG',
    field: 'MESHGATE_CA_KEY_ALGORITHM',
    message: /^MESHGATE_CA_KEY_ALGORITHM: "ed25519" is not one of ECDSA_P256, RSA_2048, RSA_4096/,
  });
});

test('durations are checked, naming the variable', () => {
  for (const variable of ['MESHGATE_CA_DEFAULT_VALIDITY', 'MESHGATE_CA_MAX_VALIDITY', 'MESHGATE_CA_ROOT_VALIDITY']) {
    assert.throws(() => options({ MESHGATE_CA_ENCRYPTION_KEY: key, [variable]: '30 days' }), { code: 'MG_ERR_CA_CONFIG', field: variable });
  }
  assert.equal(options({ MESHGATE_CA_ENCRYPTION_KEY: key, MESHGATE_CA_MAX_VALIDITY: '2160h' }).maxValidity, '2160h');
});

test('without an encryption key: refused, unless generating one is allowed (the embedded default)', () => {
  assert.throws(() => options({}), { code: 'MG_ERR_CA_CONFIG', message: /MESHGATE_CA_ENCRYPTION_KEY/ });
  const generated = options({}, true);
  assert.equal(generated.encryptionKey.length, 32);
  assert.ok(existsSync(dir.file(GENERATED_KEY_FILE)));
  assert.deepEqual(options({}, true).encryptionKey, generated.encryptionKey, 'the same key on the next start');
});

test('operator files: a chain alone, or an unreadable file, is refused', () => {
  assert.throws(() => options({ MESHGATE_CA_ENCRYPTION_KEY: key, MESHGATE_CA_CHAIN_FILE: '/x' }), { code: 'MG_ERR_CA_CONFIG', field: 'MESHGATE_CA_CHAIN_FILE' });
  assert.throws(() => options({ MESHGATE_CA_ENCRYPTION_KEY: key, MESHGATE_CA_CERT_FILE: dir.file('missing.pem'), MESHGATE_CA_KEY_FILE: dir.file('missing.key') }), {
    code: 'MG_ERR_CA_CONFIG',
    field: 'MESHGATE_CA_CERT_FILE',
    message: /cannot read/,
  });
});

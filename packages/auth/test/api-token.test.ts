/** Where the single API token comes from, the file the embedded default generates. */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { API_TOKEN_FILE, apiTokenSourcesFromEnv, loadApiToken } from '../src/api-token.js';
import { tempDir, type TempDir } from './support.js';

const TOKEN = 'a-token-of-enough-length-0123456789';

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

describe('loadApiToken', () => {
  test('MESHGATE_API_TOKEN, or MESHGATE_API_TOKEN_FILE (trimmed); not both', async () => {
    assert.deepEqual(loadApiToken({ ...apiTokenSourcesFromEnv({ MESHGATE_API_TOKEN: TOKEN }), fallback: 'none', dataDir: dir.path }), { token: TOKEN, source: 'MESHGATE_API_TOKEN' });
    const file = await dir.write('token', `${TOKEN}\n`);
    assert.deepEqual(loadApiToken({ ...apiTokenSourcesFromEnv({ MESHGATE_API_TOKEN_FILE: file, MESHGATE_API_TOKEN: '' }), fallback: 'none', dataDir: dir.path }), { token: TOKEN, source: `file ${file}` });
    assert.throws(() => loadApiToken({ token: TOKEN, tokenFile: file, fallback: 'none', dataDir: dir.path }), { code: 'MG_ERR_AUTH_CONFIG', message: /not both/ });
  });

  test('refuses a short token, one with spaces, and an unreadable file', () => {
    assert.throws(() => loadApiToken({ token: 'secret', fallback: 'none', dataDir: dir.path }), { code: 'MG_ERR_AUTH_CONFIG', message: /at least 16 characters/, variable: 'MESHGATE_API_TOKEN' });
    assert.throws(() => loadApiToken({ token: 'two words that are long enough', fallback: 'none', dataDir: dir.path }), { code: 'MG_ERR_AUTH_CONFIG', message: /without spaces/ });
    assert.throws(() => loadApiToken({ tokenFile: dir.file('missing'), fallback: 'none', dataDir: dir.path }), { code: 'MG_ERR_AUTH_CONFIG', message: /cannot read/ });
  });

  test('with neither: generated once into <dataDir>/api-token (0600), read back afterwards', async () => {
    const first = loadApiToken({ fallback: 'file', dataDir: dir.path });
    const file = dir.file(API_TOKEN_FILE);
    assert.equal(first.source, `generated ${file}`);
    assert.ok(first.token !== undefined && first.token.length >= 32);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const second = loadApiToken({ fallback: 'file', dataDir: dir.path });
    assert.deepEqual(second, { token: first.token, source: `file ${file}` });
    assert.ok(!first.source.includes(first.token), 'the source never shows the token');
  });

  test('an operator-written token file in the data directory is used as it is', async () => {
    const other = await tempDir();
    try {
      await writeFile(other.file(API_TOKEN_FILE), `${TOKEN}\n`, { mode: 0o600 });
      assert.equal(loadApiToken({ fallback: 'file', dataDir: other.path }).token, TOKEN);
    } finally {
      await other.remove();
    }
  });

  test('in memory: a fresh token each time, no file; none: no token', () => {
    const one = loadApiToken({ fallback: 'memory', dataDir: dir.file('never') });
    const two = loadApiToken({ fallback: 'memory', dataDir: dir.file('never') });
    assert.ok(one.token && two.token && one.token !== two.token);
    assert.deepEqual(loadApiToken({ fallback: 'none', dataDir: dir.path }), { source: 'none configured' });
  });
});

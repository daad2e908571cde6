/** The CLI as a process and as a client without a server. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { TEST_TIMEOUT_MS, runCli } from './support.js';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

describe('meshgate as a process', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prints usage with every command for --help', () => {
    const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: meshgate /);
    for (const command of ['apply', 'get', 'delete', 'events', 'proxy-status', 'proxy-config', 'cert', 'ca', 'log']) {
      assert.match(result.stdout, new RegExp(`\\n  ${command} `), `--help lists ${command}`);
    }
  });

  it('exits 2 with a one-line hint when the server is not running', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['get', 'vs'], { server });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
    assert.ok(result.stderr.includes(`not reachable at ${server}`), result.stderr);
    assert.ok(result.stderr.includes('npm start'), result.stderr);
  });

  it('takes the server from MESHGATE_SERVER when --server is not given', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['events'], { env: { MESHGATE_SERVER: server } });
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(`not reachable at ${server}`), result.stderr);
  });

  it('refuses a --server that is not an http URL', async () => {
    const result = await runCli(['get', 'vs'], { server: 'ftp://example' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: --server ftp://example must be an http:// or https:// URL\n');
  });
});

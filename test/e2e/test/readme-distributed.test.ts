/**
 * The README's "Running the services apart" block, run as written (bash, from the repository
 * root), so that the distributed section stays true: every process it lists starts and becomes
 * ready, the api reaches xds and the CLI-side token works, and a file in the manifests directory
 * reaches the log through the watcher and NATS. Only what must differ on a test machine is
 * replaced: the database, the NATS stream names, the ports, the manifests directory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createTestDatabase, natsUrl, uniqueName, type TestDatabase } from '@meshgate/testkit';
import { freePort } from '../src/ports.js';
import { apply, eventually, getJson } from '../src/rest.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BEGIN = '<!-- distributed-walkthrough:begin -->';
const END = '<!-- distributed-walkthrough:end -->';

/** The shell lines between the README's markers, without the fence. */
export function walkthroughBlock(readme: string): string[] {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  assert.ok(start >= 0 && end > start, 'the README marks its distributed walkthrough');
  const lines = readme.slice(start + BEGIN.length, end).trim().split('\n');
  assert.equal(lines[0], '```sh');
  assert.equal(lines.at(-1), '```');
  return lines.slice(1, -1);
}

/** The block with `export NAME=…` values replaced where the test must use its own. */
function withOverrides(lines: string[], overrides: Record<string, string>): string[] {
  const seen = new Set<string>();
  const replaced = lines.map((line) => {
    const match = /^export ([A-Z_]+)=/.exec(line);
    if (!match || overrides[match[1]] === undefined) return line;
    seen.add(match[1]);
    return `export ${match[1]}=${JSON.stringify(overrides[match[1]])}`;
  });
  for (const name of Object.keys(overrides)) assert.ok(seen.has(name), `the README's block exports ${name}`);
  return replaced;
}

let database: TestDatabase;
let work: string;
let shell: ChildProcess;
let output = '';
let ports: Record<'api' | 'apiGrpc' | 'grpc' | 'caHttp' | 'xds' | 'xdsSecure' | 'xdsAdmin', number>;
let apiToken: string;

async function waitReady(url: string): Promise<void> {
  await eventually(`${url} to answer 200`, async () => {
    if (shell.exitCode !== null) throw new Error(`the walkthrough's shell exited (${shell.exitCode}):\n${output}`);
    const response = await fetch(url).catch(() => undefined);
    return response?.status === 200 ? true : undefined;
  }, 60_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- output ---\n${output.slice(-5000)}`);
  });
}

before(async () => {
  database = await createTestDatabase('mg_readme');
  work = mkdtempSync(path.join(tmpdir(), 'meshgate-readme-'));
  const suffix = uniqueName('readme');
  ports = { api: await freePort(), apiGrpc: await freePort(), grpc: await freePort(), caHttp: await freePort(), xds: await freePort(), xdsSecure: await freePort(), xdsAdmin: await freePort() };
  const lines = walkthroughBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
  for (const service of ['api', 'ca', 'xds', 'watcher']) {
    assert.ok(lines.some((line) => line.startsWith(`node services/${service}/dist/src/main.js &`)), `the block starts ${service}`);
  }
  const script = [
    'set -e',
    // Ports and stream names the block leaves at their defaults: this machine's own.
    `export MESHGATE_API_PORT=${ports.api} MESHGATE_API_GRPC_PORT=${ports.apiGrpc} MESHGATE_GRPC_PORT=${ports.grpc} MESHGATE_CA_HTTP_PORT=${ports.caHttp}`,
    `export MESHGATE_XDS_PORT=${ports.xds} MESHGATE_XDS_SECURE_PORT=${ports.xdsSecure} MESHGATE_XDS_ADMIN_PORT=${ports.xdsAdmin}`,
    `export MESHGATE_NATS_STREAM=${suffix.toUpperCase()} MESHGATE_NATS_SUBJECT_PREFIX=${suffix}.changes MESHGATE_NATS_DOORBELL=${suffix}.events`,
    ...withOverrides(lines, {
      DATABASE_URL: database.url,
      NATS_URL: await natsUrl(),
      MESHGATE_CA_ADDRESS: `127.0.0.1:${ports.grpc}`,
      MESHGATE_XDS_ADMIN_URL: `http://127.0.0.1:${ports.xdsAdmin}`,
      MESHGATE_MANIFESTS_DIR: path.join(work, 'manifests'),
    }),
    // The token the block generated, for this test's requests (as a user keeps it for the CLI).
    `printf '%s' "$MESHGATE_API_TOKEN" > ${JSON.stringify(path.join(work, 'token'))}`,
    'wait',
  ].join('\n');
  // Its own process group, so that the block's background processes stop with it.
  shell = spawn('bash', ['-c', script], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MESHGATE_LOG_LEVEL: 'info', MESHGATE_LOG_FORMAT: 'json' } });
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  shell.stdout?.on('data', append);
  shell.stderr?.on('data', append);
  await waitReady(`http://127.0.0.1:${ports.api}/readyz`);
  await waitReady(`http://127.0.0.1:${ports.caHttp}/readyz`);
  await waitReady(`http://127.0.0.1:${ports.xdsAdmin}/readyz`);
  apiToken = readFileSync(path.join(work, 'token'), 'utf8');
});

after(async () => {
  if (shell?.pid !== undefined && shell.exitCode === null) {
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    process.kill(-shell.pid, 'SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
  await database?.drop();
});

test('the generated API token applies the walkthrough through the api process', async () => {
  const applied = await apply(`http://127.0.0.1:${ports.api}`, readFileSync(path.join(repoRoot, 'examples/httpbin.yaml'), 'utf8'), apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  const anonymous = await apply(`http://127.0.0.1:${ports.api}`, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: nobody}\n', undefined);
  assert.equal(anonymous.status, 401);
});

test('the api reaches the xds process (MESHGATE_XDS_ADMIN_URL) for proxy status', async () => {
  const { status, body } = await getJson<{ items: unknown[] }>(`http://127.0.0.1:${ports.api}/v1/proxies`, apiToken);
  assert.equal(status, 200, JSON.stringify(body));
  assert.ok(Array.isArray(body.items));
});

test('a file in the manifests directory reaches the log through the watcher and NATS', async () => {
  writeFileSync(path.join(work, 'manifests', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: from-readme}\n');
  const found = await eventually('the Namespace from the manifests directory', async () => {
    const { status } = await getJson(`http://127.0.0.1:${ports.api}/v1/resources/namespaces/_/from-readme`, apiToken);
    return status === 200 ? true : undefined;
  });
  assert.equal(found, true);
});

test('the ca process serves the trust bundle, and the xds process holds its mTLS port', async () => {
  const { status, body } = await getJson<{ pem: string }>(`http://127.0.0.1:${ports.caHttp}/v1/ca/bundle`);
  assert.equal(status, 200);
  assert.match(body.pem, /BEGIN CERTIFICATE/);
  const accepted = await new Promise<boolean>((resolve) => {
    const socket = net.connect(ports.xdsSecure, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  assert.ok(accepted, `the mTLS xDS port ${ports.xdsSecure} accepts connections`);
});

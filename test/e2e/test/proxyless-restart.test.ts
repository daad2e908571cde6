/**
 * A real @grpc/grpc-js-xds client across a restart of embedded meshgate on the same data
 * directory and xDS port: calls keep being served from the client's cached configuration while
 * meshgate is down, the client's new stream converges to the same content-hash versions, and a
 * change applied after the restart still moves its traffic.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { call, callUntil, METHODS, startBackend, type Backend } from '../src/backends.js';
import { proxylessBootstrap, useBootstrap } from '../src/bootstrap.js';
import { freePort } from '../src/ports.js';
import { apply, eventually, proxies, type ProxyStatusBody } from '../src/rest.js';
import { NAMESPACE, servicesYaml, TARGET, virtualServiceYaml } from '../src/scenario.js';

const NODE_ID = 'echo-client-restart';
const API_TOKEN = 'meshgate-restart-test-token-0123456789';
let dataDir: string;
let xdsPort: number;
let meshgate: RunningMeshgate | undefined;
let backendA: Backend;
let backendB: Backend;
let client: grpc.Client;

/** meshgate on the test's data directory and its fixed plaintext xDS port (the client's bootstrap names it). */
function start(): Promise<RunningMeshgate> {
  return startMeshgate({
    logLevel: 'warn',
    apiToken: API_TOKEN,
    overrides: { dataDir, apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort, xdsSecurePort: 0 },
  });
}

/** The client's status once every type it subscribed to is ACKed. */
async function synced(running: RunningMeshgate): Promise<ProxyStatusBody> {
  return eventually('every type ACKed', async () => {
    const status = (await proxies(running.apiUrl, API_TOKEN)).find((p) => p.id === NODE_ID);
    const types = Object.values(status?.types ?? {});
    return types.length >= 4 && types.every((t) => t.synced && t.nack === null) ? status : undefined;
  });
}

const ackedVersions = (status: ProxyStatusBody) => Object.fromEntries(Object.entries(status.types).map(([type, t]) => [type, t.ackedVersion]));

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'meshgate-restart-'));
  xdsPort = await freePort();
  meshgate = await start();
  backendA = await startBackend('A', '127.0.0.2');
  backendB = await startBackend('B', '127.0.0.3');
  useBootstrap(proxylessBootstrap(`127.0.0.1:${xdsPort}`, { id: NODE_ID, namespace: NAMESPACE }));
  grpcXds.register();
});

after(async () => {
  client?.close();
  await backendA?.stop();
  await backendB?.stop();
  await meshgate?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a proxyless client keeps working across a restart of meshgate, and a later change still reaches it', async () => {
  assert.ok(meshgate);
  const applied = await apply(meshgate.apiUrl, `${servicesYaml(backendA, backendB)}---\n${virtualServiceYaml('backend-a', 'backend-b')}`, API_TOKEN);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  client = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  assert.deepEqual(await callUntil(client, METHODS.hello, (r) => r.ok), { ok: true, servedBy: 'A' });
  const before = await synced(meshgate);

  await meshgate.stop();
  meshgate = undefined;
  // The client serves from what it holds while its control plane is away.
  assert.deepEqual(await call(client, METHODS.hello), { ok: true, servedBy: 'A' });

  meshgate = await start();
  const resumed = await synced(meshgate);
  assert.notEqual(resumed.connectedAt, before.connectedAt, 'a new stream');
  // The state is the same, so are the versions (content hashes), on the new stream and process.
  assert.deepEqual(ackedVersions(resumed), ackedVersions(before));
  assert.deepEqual(await call(client, METHODS.hello), { ok: true, servedBy: 'A' });

  const moved = await apply(meshgate.apiUrl, virtualServiceYaml('backend-b', 'backend-a'), API_TOKEN);
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual(await callUntil(client, METHODS.hello, (r) => r.ok && r.servedBy === 'B'), { ok: true, servedBy: 'B' });
  assert.deepEqual(await call(client, METHODS.ping), { ok: true, servedBy: 'A' });
  const after = await synced(meshgate);
  assert.notDeepEqual(ackedVersions(after), ackedVersions(before));
});

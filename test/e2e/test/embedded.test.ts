/**
 * Foundation e2e, embedded mode: meshgate in this process (PGlite + in-process bus) and a real
 * @grpc/grpc-js-xds client routed by a VirtualService bound to `mesh`. The client reaches
 * meshgate through `meshgate agent` (in process), which holds the mTLS xDS connection.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { call, callUntil, METHODS, startBackend, type Backend } from '../src/backends.js';
import { startWorkloadAgent, withoutAgents, type WorkloadAgent } from '../src/agent.js';
import { proxylessBootstrap, useBootstrap } from '../src/bootstrap.js';
import { apply, eventually, proxies } from '../src/rest.js';
import { NAMESPACE, servicesYaml, TARGET, virtualServiceYaml } from '../src/scenario.js';

const NODE_ID = 'echo-client-embedded';
let meshgate: RunningMeshgate;
let backendA: Backend;
let backendB: Backend;
let client: grpc.Client;
let agent: WorkloadAgent;

before(async () => {
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  backendA = await startBackend('A', '127.0.0.2');
  backendB = await startBackend('B', '127.0.0.3');
  assert.ok(meshgate.apiToken);
  agent = await startWorkloadAgent(
    { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` },
    { nodeId: NODE_ID, namespace: NAMESPACE, serviceAccount: 'echo-client' },
  );
  useBootstrap(proxylessBootstrap(agent.address, { id: NODE_ID, namespace: NAMESPACE }));
  grpcXds.register();
});

after(async () => {
  client?.close();
  await backendA?.stop();
  await backendB?.stop();
  await agent?.stop();
  await meshgate?.stop();
});

test('a VirtualService bound to mesh routes a method to A and a prefix to B; unrouted methods fail', async () => {
  const applied = await apply(meshgate.apiUrl, `${servicesYaml(backendA, backendB)}---\n${virtualServiceYaml('backend-a', 'backend-b')}`, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  client = new grpc.Client(TARGET, grpc.credentials.createInsecure());

  const hello = await callUntil(client, METHODS.hello, (r) => r.ok);
  assert.deepEqual(hello, { ok: true, servedBy: 'A' });
  assert.deepEqual(await call(client, METHODS.ping), { ok: true, servedBy: 'B' });
  assert.deepEqual(await call(client, METHODS.pong), { ok: true, servedBy: 'B' });

  const lost = await call(client, METHODS.unrouted);
  assert.equal(lost.ok, false);
  assert.equal(lost.code, grpc.status.UNAVAILABLE, `unrouted call: ${JSON.stringify(lost)}`);
});

test('a re-applied VirtualService moves traffic without the client reconnecting', async () => {
  const [before] = withoutAgents(await proxies(meshgate.apiUrl, meshgate.apiToken));
  assert.equal(before.id, NODE_ID);

  const applied = await apply(meshgate.apiUrl, virtualServiceYaml('backend-b', 'backend-a'), meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  assert.equal(applied.body.results?.[0]?.action, 'configured');

  const moved = await callUntil(client, METHODS.hello, (r) => r.ok && r.servedBy === 'B');
  assert.deepEqual(moved, { ok: true, servedBy: 'B' });
  assert.deepEqual(await call(client, METHODS.ping), { ok: true, servedBy: 'A' });

  const after = withoutAgents(await proxies(meshgate.apiUrl, meshgate.apiToken));
  assert.equal(after.length, 1, 'one proxy stream, not a second one');
  assert.equal(after[0].connectedAt, before.connectedAt, 'the same ADS stream carried the change');
  const synced = await eventually('every type ACKed', async () => {
    const [status] = withoutAgents(await proxies(meshgate.apiUrl, meshgate.apiToken));
    return Object.values(status.types).every((t) => t.synced && t.nack === null) ? status : undefined;
  });
  assert.ok(Object.keys(synced.types).length >= 4, `LDS, RDS, CDS and EDS subscribed: ${Object.keys(synced.types).join(',')}`);
});

test('the client came in over mTLS as the agent\'s identity', async () => {
  const status = withoutAgents(await proxies(meshgate.apiUrl, meshgate.apiToken)).find((p) => p.id === NODE_ID);
  assert.equal(status?.node?.serviceAccount, 'echo-client', JSON.stringify(status));
  assert.match((status as { version?: string } | undefined)?.version ?? '', /^gRPC Node Pure JS\/\d+\.\d+\.\d+$/, `proxy-status shows the client's own version: ${JSON.stringify(status)}`);
  assert.deepEqual(await agent.sans(), ['DNS:echo-client.echo.cluster.local', 'URI:spiffe://cluster.local/ns/echo/sa/echo-client']);
});

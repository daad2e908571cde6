/**
 * Proxyless mTLS, embedded mode: a @grpc/grpc-js-xds client (this process) calls an xDS-enabled
 * gRPC server (a child process: one bootstrap per process), both configured only by meshgate and
 * both holding certificates meshgate's CA issued, kept in files by each one's `meshgate agent`
 * (in this process), through which each reaches meshgate's mTLS xDS port. An https
 * IngressBackend makes the server's port mTLS-only and admits one client identity; the compiler
 * tells the client to dial that port over TLS and to expect the server's identity.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { startWorkloadAgent, type AgentTarget, type WorkloadAgent } from '../src/agent.js';
import { call, METHODS } from '../src/backends.js';
import { useBootstrap } from '../src/bootstrap.js';
import { CLIENT_IDENTITY, ingressBackendYaml, mtlsManifests, SERVER_IDENTITY, SERVER_LABELS, secureCall, secureCallUntil, serverPodYaml, spiffeId, type MtlsScenario } from '../src/mtls-scenario.js';
import { freePort } from '../src/ports.js';
import { apply } from '../src/rest.js';
import { TARGET } from '../src/scenario.js';
import { meshWorkloadBootstrap, startXdsServerProcess, type XdsServerProcess } from '../src/xds-server.js';

const SERVER_IP = '127.0.0.21';
let meshgate: RunningMeshgate;
let server: XdsServerProcess | undefined;
let serverAgent: WorkloadAgent;
let clientAgent: WorkloadAgent;
let scenario: MtlsScenario;
/** The mTLS client: the test process's one xDS node, used by every test. */
let client: grpc.Client;

async function applyOk(yaml: string): Promise<void> {
  const applied = await apply(meshgate.apiUrl, yaml, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
}

before(async () => {
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  assert.ok(meshgate.apiToken);
  const target: AgentTarget = { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` };
  serverAgent = await startWorkloadAgent(target, { nodeId: 'echo-server-0.echo', ...SERVER_IDENTITY });
  clientAgent = await startWorkloadAgent(target, { nodeId: 'echo-client-0.echo', ...CLIENT_IDENTITY });

  scenario = { serverIp: SERVER_IP, serverPort: await freePort(), serverServiceAccount: SERVER_IDENTITY.serviceAccount, allowedPrincipal: spiffeId(CLIENT_IDENTITY) };
  await applyOk(mtlsManifests(scenario));

  const address = `${SERVER_IP}:${scenario.serverPort}`;
  server = await startXdsServerProcess({
    name: 'echo-server-0',
    address,
    bootstrap: meshWorkloadBootstrap(serverAgent.address, {
      id: 'echo-server-0.echo',
      ...SERVER_IDENTITY,
      labels: SERVER_LABELS,
      ips: [SERVER_IP],
      certificateDir: serverAgent.certificateDir,
    }),
  });

  useBootstrap(meshWorkloadBootstrap(clientAgent.address, { id: 'echo-client-0.echo', ...CLIENT_IDENTITY, labels: { app: 'echo-client' }, certificateDir: clientAgent.certificateDir }));
  grpcXds.register();
  // Insecure is only the fallback: meshgate's cluster says TLS, with the bootstrap's certificates.
  client = new grpc.Client(TARGET, new grpcXds.XdsChannelCredentials(grpc.credentials.createInsecure()));
});

after(async () => {
  // meshgate first, while both proxies still hold their ADS streams: closing the client and the
  // server first left the test client's ADS connection open through meshgate's shutdown, and the
  // process alive for minutes.
  await meshgate?.stop();
  await server?.stop();
  client?.close();
  await serverAgent?.stop();
  await clientAgent?.stop();
});

test('the client and the server talk mTLS, each verifying the identity meshgate issued to the other', async () => {
  const result = await secureCallUntil(client, METHODS.hello, (r) => r.ok);
  assert.equal(result.ok, true, `${JSON.stringify(result)}\n--- server output ---\n${server?.output()}`);
  assert.equal(result.reply?.servedBy, 'echo-server-0');
  assert.equal(result.reply?.transportSecurityType, 'ssl', 'the server saw a TLS connection');
  // The server verified the client's certificate: the one issued to echo-client, both SANs.
  assert.deepEqual(splitSans(result.reply?.peerSubjectAltName), await clientAgent.sans());
  // The client verified the server's: the one issued to echo-server.
  assert.deepEqual(splitSans(result.serverSubjectAltName), await serverAgent.sans());
  assert.deepEqual(await clientAgent.sans(), ['DNS:echo-client.echo.cluster.local', 'URI:spiffe://cluster.local/ns/echo/sa/echo-client']);
});

test('a plaintext client is refused by the mTLS-only server', async () => {
  const plaintext = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  try {
    const result = await call(plaintext, METHODS.hello);
    assert.equal(result.ok, false, JSON.stringify(result));
    assert.equal(result.code, grpc.status.UNAVAILABLE, JSON.stringify(result));
  } finally {
    plaintext.close();
  }
  // …while the mTLS client still gets through.
  assert.equal((await secureCall(client, METHODS.hello)).ok, true);
});

/*
 * Policy changes are made while the client holds a settled connection. grpc-js-xds sends GOAWAY to
 * the sessions of a replaced server Listener, and the client reconnects under the new policy; but
 * a connection whose TLS handshake was still under way when the Listener was replaced kept the old
 * policy for as long as we watched (grpc-js-xds 1.14.1: it becomes a session after the old
 * configuration was drained). Calling once first keeps the test clear of that race.
 */
test("the server's RBAC admits only the IngressBackend's principal", async () => {
  assert.equal((await secureCall(client, METHODS.hello)).ok, true, 'a settled connection first');
  await applyOk(ingressBackendYaml({ ...scenario, allowedPrincipal: spiffeId({ serviceAccount: 'someone-else', namespace: 'echo' }) }));
  const denied = await secureCallUntil(client, METHODS.hello, (r) => r.code === grpc.status.PERMISSION_DENIED);
  assert.equal(denied.code, grpc.status.PERMISSION_DENIED, JSON.stringify(denied));

  await applyOk(ingressBackendYaml(scenario));
  const admitted = await secureCallUntil(client, METHODS.hello, (r) => r.ok);
  assert.equal(admitted.ok, true, JSON.stringify(admitted));
});

test("the client checks the server's certificate against the identity of the Pod behind the Service", async () => {
  // The Pod now claims another service account: the client must refuse echo-server's certificate.
  await applyOk(serverPodYaml({ ...scenario, serverServiceAccount: 'impostor' }));
  const refused = await secureCallUntil(client, METHODS.hello, (r) => !r.ok);
  assert.equal(refused.code, grpc.status.UNAVAILABLE, JSON.stringify(refused));
  assert.match(refused.details ?? '', /subject alternative name/i, 'refused for the server identity, not for another reason');

  await applyOk(serverPodYaml(scenario));
  const trusted = await secureCallUntil(client, METHODS.hello, (r) => r.ok);
  assert.equal(trusted.ok, true, JSON.stringify(trusted));
});

/** Node's `subjectaltname` (`DNS:a, URI:b`) as a sorted list. */
function splitSans(text: string | null | undefined): string[] {
  return (text ?? '').split(', ').filter((entry) => entry !== '').sort();
}

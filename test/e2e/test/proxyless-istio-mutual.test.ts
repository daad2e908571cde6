/**
 * DestinationRule `tls: ISTIO_MUTUAL` for a proxyless client, embedded mode, against an in-mesh
 * xDS-enabled gRPC server (a child process) that an https IngressBackend makes mTLS-only; both
 * hold meshgate-issued certificates kept by their `meshgate agent`. Without a rule the client
 * dials mTLS because of the IngressBackend; the rule then decides: DISABLE sends plaintext (and
 * the server refuses it), a `subjectAltNames` naming another identity makes the client refuse the
 * server, ISTIO_MUTUAL with the Pods' identity gets through with both certificates verified.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { startWorkloadAgent, type AgentTarget, type WorkloadAgent } from '../src/agent.js';
import { METHODS } from '../src/backends.js';
import { useBootstrap } from '../src/bootstrap.js';
import { CLIENT_IDENTITY, mtlsManifests, SERVER_IDENTITY, SERVER_LABELS, secureCallUntil, spiffeId, type MtlsScenario, type SecureCallResult } from '../src/mtls-scenario.js';
import { freePort } from '../src/ports.js';
import { apply } from '../src/rest.js';
import { NAMESPACE, TARGET } from '../src/scenario.js';
import { meshWorkloadBootstrap, startXdsServerProcess, type XdsServerProcess } from '../src/xds-server.js';

const SERVER_IP = '127.0.0.23';
let meshgate: RunningMeshgate;
let server: XdsServerProcess | undefined;
let serverAgent: WorkloadAgent;
let clientAgent: WorkloadAgent;
let client: grpc.Client;

async function applyOk(yaml: string): Promise<void> {
  const applied = await apply(meshgate.apiUrl, yaml, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
}

const rule = (tls: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: ${NAMESPACE}}
spec:
  host: echo
  trafficPolicy:
    tls: ${tls}
`;

/** Calls until the result has been `ok === want` five times in a row (the config has settled). */
async function settle(want: boolean): Promise<SecureCallResult> {
  let streak = 0;
  return secureCallUntil(client, METHODS.hello, (result) => {
    streak = result.ok === want ? streak + 1 : 0;
    return streak >= 5;
  });
}

before(async () => {
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  assert.ok(meshgate.apiToken);
  const target: AgentTarget = { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` };
  serverAgent = await startWorkloadAgent(target, { nodeId: 'echo-server-0.echo', ...SERVER_IDENTITY });
  clientAgent = await startWorkloadAgent(target, { nodeId: 'echo-client-0.echo', ...CLIENT_IDENTITY });
  const scenario: MtlsScenario = { serverIp: SERVER_IP, serverPort: await freePort(), serverServiceAccount: SERVER_IDENTITY.serviceAccount, allowedPrincipal: spiffeId(CLIENT_IDENTITY) };
  await applyOk(mtlsManifests(scenario));
  const address = `${SERVER_IP}:${scenario.serverPort}`;
  server = await startXdsServerProcess({
    name: 'echo-server-0',
    address,
    bootstrap: meshWorkloadBootstrap(serverAgent.address, { id: 'echo-server-0.echo', ...SERVER_IDENTITY, labels: SERVER_LABELS, ips: [SERVER_IP], certificateDir: serverAgent.certificateDir }),
  });
  useBootstrap(meshWorkloadBootstrap(clientAgent.address, { id: 'echo-client-0.echo', ...CLIENT_IDENTITY, labels: { app: 'echo-client' }, certificateDir: clientAgent.certificateDir }));
  grpcXds.register();
  client = new grpc.Client(TARGET, new grpcXds.XdsChannelCredentials(grpc.credentials.createInsecure()));
});

after(async () => {
  // meshgate first, while both proxies still hold their ADS streams (see proxyless-mtls.test.ts).
  await meshgate?.stop();
  await server?.stop();
  client?.close();
  await serverAgent?.stop();
  await clientAgent?.stop();
});

test("the DestinationRule decides the proxyless client's TLS: DISABLE is plaintext, a foreign subjectAltNames is refused, ISTIO_MUTUAL gets through", async () => {
  const baseline = await settle(true);
  assert.equal(baseline.reply?.transportSecurityType, 'ssl', `mTLS from the IngressBackend: ${JSON.stringify(baseline)}\n${server?.output()}`);

  await applyOk(rule('{mode: DISABLE}'));
  const plaintext = await settle(false);
  assert.equal(plaintext.code, grpc.status.UNAVAILABLE, `the mTLS-only server refuses plaintext: ${JSON.stringify(plaintext)}`);

  await applyOk(rule(`{mode: ISTIO_MUTUAL, subjectAltNames: ['${spiffeId({ serviceAccount: 'someone-else', namespace: NAMESPACE })}']}`));
  const foreign = await settle(false);
  assert.equal(foreign.code, grpc.status.UNAVAILABLE, JSON.stringify(foreign));
  assert.match(foreign.details ?? '', /subject alternative name/i, 'refused for the server identity, not for another reason');

  await applyOk(rule('{mode: ISTIO_MUTUAL}'));
  const mutual = await settle(true);
  assert.equal(mutual.reply?.transportSecurityType, 'ssl', JSON.stringify(mutual));
  assert.match(mutual.reply?.peerSubjectAltName ?? '', new RegExp(`URI:${spiffeId(CLIENT_IDENTITY)}`), 'the server verified the client certificate');
  assert.match(mutual.serverSubjectAltName ?? '', new RegExp(`URI:${spiffeId(SERVER_IDENTITY)}`), "the client verified the server's");
});

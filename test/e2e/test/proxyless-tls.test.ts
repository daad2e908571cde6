/**
 * DestinationRule `tls` for a proxyless client, embedded mode: a @grpc/grpc-js-xds client (this
 * process, through `meshgate agent`, with the bootstrap `meshgate proxy bootstrap --client grpc
 * --upstream-ca … --upstream-client-cert …` writes) reaches "external" gRPC servers that speak
 * TLS only, with openssl-made certificates, through ServiceEntries. `tls: SIMPLE` with the CA
 * file makes the call succeed; without the rule (plaintext), with a wrong `subjectAltNames`, or
 * with a CA file the bootstrap has no instance for, it fails. A server requiring client
 * certificates is reached with `tls: MUTUAL` and sees the client certificate.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { grpcBootstrap } from '@meshgate/cli/agent';
import { startWorkloadAgent, withoutAgents, type WorkloadAgent } from '../src/agent.js';
import { callUntil, METHODS, rawServiceDefinition, type CallResult } from '../src/backends.js';
import { useBootstrap } from '../src/bootstrap.js';
import { apply, eventually, proxies } from '../src/rest.js';

const NODE_ID = 'tls-client-0.egress';
const NAMESPACE = 'egress';
const dir = mkdtempSync(path.join(tmpdir(), 'meshgate-proxyless-tls-'));
const file = (name: string) => path.join(dir, name);
let meshgate: RunningMeshgate;
let agent: WorkloadAgent;
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];

// ---------------------------------------------------------------- certificates (openssl)

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** A self-signed CA as `<name>.pem` / `<name>-key.pem`. */
function makeCa(name: string): void {
  openssl(['req', '-x509', '-sha256', '-nodes', '-days', '2', ...EC_KEY, '-subj', `/O=${name}/CN=${name}`, '-keyout', file(`${name}-key.pem`), '-out', file(`${name}.pem`)]);
}

/** A leaf `<name>.pem` / `<name>-key.pem` signed by CA `ca`, with DNS SAN `dns`. */
function makeLeaf(name: string, ca: string, dns: string): void {
  writeFileSync(file(`${name}.ext`), `subjectAltName=DNS:${dns}\n`);
  openssl(['req', '-out', file(`${name}.csr`), ...EC_KEY, '-nodes', '-keyout', file(`${name}-key.pem`), '-subj', `/CN=${dns}`]);
  openssl(['x509', '-req', '-days', '2', '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}-key.pem`), '-set_serial', '1', '-extfile', file(`${name}.ext`), '-in', file(`${name}.csr`), '-out', file(`${name}.pem`)]);
}

// ---------------------------------------------------------------- TLS-only servers

interface Reply {
  servedBy: string;
  /** What the server saw of the connection: `ssl`, and the client certificate's SANs. */
  transportSecurityType: string | null;
  peerSubjectAltName: string | null;
}

/** A gRPC server on `host` that speaks TLS only (with `clientCa`, it requires a client certificate signed by it). */
async function startTlsServer(name: string, host: string, leaf: string, clientCa?: string): Promise<number> {
  const server = new grpc.Server();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of Object.values(METHODS)) {
    handlers[method] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const auth = call.getAuthContext();
      const reply: Reply = { servedBy: name, transportSecurityType: auth?.transportSecurityType ?? null, peerSubjectAltName: auth?.sslPeerCertificate?.subjectaltname ?? null };
      callback(null, Buffer.from(JSON.stringify(reply)));
    };
  }
  server.addService(rawServiceDefinition(Object.values(METHODS)), handlers);
  const credentials = grpc.ServerCredentials.createSsl(
    clientCa ? readFileSync(file(`${clientCa}.pem`)) : null,
    [{ cert_chain: readFileSync(file(`${leaf}.pem`)), private_key: readFileSync(file(`${leaf}-key.pem`)) }],
    clientCa !== undefined,
  );
  servers.push(server);
  return new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, credentials, (error, port) => (error ? reject(error) : resolve(port))));
}

// ---------------------------------------------------------------- the client

async function applyOk(yaml: string): Promise<void> {
  const applied = await apply(meshgate.apiUrl, yaml, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
}

async function remove(kind: string, name: string): Promise<void> {
  const response = await fetch(`${meshgate.apiUrl}/v1/resources/${kind}/${NAMESPACE}/${name}`, { method: 'DELETE', headers: { authorization: `Bearer ${meshgate.apiToken}` } });
  assert.equal(response.status, 200, await response.text());
}

/** A channel whose security comes from xDS (the fallback, plaintext, only when the cluster names no TLS). */
function client(target: string): grpc.Client {
  const made = new grpc.Client(target, new grpcXds.XdsChannelCredentials(grpc.credentials.createInsecure()));
  clients.push(made);
  return made;
}

/** A CallResult whose `servedBy` is the server's whole reply, parsed by `reply`. */
function reply(result: CallResult): Reply | undefined {
  return result.ok && result.servedBy ? (JSON.parse(result.servedBy) as Reply) : undefined;
}

/** Calls until the result has been `ok === want` five times in a row (the config has settled), and returns the last. */
async function settle(target: grpc.Client, want: boolean): Promise<CallResult> {
  let streak = 0;
  return callUntil(target, METHODS.hello, (result) => {
    streak = result.ok === want ? streak + 1 : 0;
    return streak >= 5;
  });
}

const entry = (name: string, port: number, host: string, serverPort: number) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${NAMESPACE}}
spec:
  hosts: [${name}.external.example]
  ports: [{number: ${port}, name: grpc, protocol: GRPC, targetPort: ${serverPort}}]
  resolution: STATIC
  endpoints: [{address: ${host}}]
`;

const rule = (name: string, tls: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${NAMESPACE}}
spec:
  host: ${name}.external.example
  trafficPolicy:
    tls: ${tls}
`;

/** Every resource type the client subscribed to is ACKed: no cluster meshgate sent was refused. */
async function assertNothingNacked(): Promise<void> {
  const status = await eventually('the client ACKs every type', async () => {
    const [client] = withoutAgents(await proxies(meshgate.apiUrl, meshgate.apiToken)).filter((proxy) => proxy.id === NODE_ID);
    return client && Object.values(client.types).every((type) => type.synced) ? client : undefined;
  });
  for (const [type, state] of Object.entries(status.types)) assert.equal(state.nack, null, `${type}: ${JSON.stringify(state.nack)}`);
}

let billingPort = 0;
let ledgerPort = 0;

before(async () => {
  makeCa('external-ca');
  makeCa('client-ca');
  makeCa('other-ca');
  makeLeaf('billing', 'external-ca', 'billing.external.example');
  makeLeaf('ledger', 'external-ca', 'ledger.external.example');
  makeLeaf('client', 'client-ca', 'tls-client.egress.example');
  billingPort = await startTlsServer('billing', '127.0.0.71', 'billing');
  ledgerPort = await startTlsServer('ledger', '127.0.0.72', 'ledger', 'client-ca');

  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  assert.ok(meshgate.apiToken);
  agent = await startWorkloadAgent(
    { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` },
    { nodeId: NODE_ID, namespace: NAMESPACE, serviceAccount: 'tls-client' },
  );
  // What `meshgate proxy bootstrap --client grpc --upstream-ca … --upstream-client-cert …` writes.
  const bootstrap = grpcBootstrap({ nodeId: NODE_ID, namespace: NAMESPACE, serviceAccount: 'tls-client', trustDomain: 'cluster.local' }, agent.address, agent.certificateDir, [
    { caCertificates: file('external-ca.pem') },
    { caCertificates: file('other-ca.pem') },
    { clientCertificate: file('client.pem'), privateKey: file('client-key.pem') },
  ]);
  useBootstrap(bootstrap);
  grpcXds.register();
  await applyOk(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NAMESPACE}}\n`);
});

after(async () => {
  for (const made of clients) made.close();
  await meshgate?.stop();
  await agent?.stop();
  for (const server of servers) server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('tls SIMPLE with the CA file: the call reaches the TLS-only server over TLS; without the rule it is plaintext and fails', async () => {
  await applyOk(entry('billing', 7443, '127.0.0.71', billingPort) + '---\n' + rule('billing', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}}`));
  // The server speaks TLS only: a plaintext channel straight to it fails.
  const direct = new grpc.Client(`127.0.0.71:${billingPort}`, grpc.credentials.createInsecure());
  clients.push(direct);
  const refused = await callUntil(direct, METHODS.hello, (result) => !result.ok);
  assert.equal(refused.code, grpc.status.UNAVAILABLE, JSON.stringify(refused));

  const billing = client('xds:///billing.external.example:7443');
  const ok = await settle(billing, true);
  // (grpc-js reports a TLS connection's security only once a client certificate is verified; MUTUAL below shows it.)
  assert.equal(reply(ok)?.servedBy, 'billing', JSON.stringify(ok));

  await remove('destinationrules', 'billing');
  const plaintext = await settle(billing, false);
  assert.equal(plaintext.code, grpc.status.UNAVAILABLE, JSON.stringify(plaintext));

  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}}`));
  assert.equal(reply(await settle(billing, true))?.servedBy, 'billing', 'back over TLS');
});

test('tls SIMPLE: a wrong subjectAltNames, or a CA that did not sign the server, fails the call', async () => {
  const billing = client('xds:///billing.external.example:7443');
  assert.equal((await settle(billing, true)).ok, true, 'reachable first');

  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}, subjectAltNames: [payments.external.example]}`));
  const wrongName = await settle(billing, false);
  assert.equal(wrongName.code, grpc.status.UNAVAILABLE, JSON.stringify(wrongName));

  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}, subjectAltNames: [billing.external.example]}`));
  assert.equal((await settle(billing, true)).ok, true, 'the right name');

  // A CA that did not sign the server's certificate.
  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('other-ca.pem')}}`));
  const otherCa = await settle(billing, false);
  assert.equal(otherCa.code, grpc.status.UNAVAILABLE, JSON.stringify(otherCa));

  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}}`));
  assert.equal((await settle(billing, true)).ok, true, 'reachable again');
  // A CA file the bootstrap has no certificate provider for: the cluster admits no calls (no NACK, no plaintext).
  await applyOk(rule('billing', `{mode: SIMPLE, caCertificates: ${file('unlisted-ca.pem')}}`));
  const noInstance = await settle(billing, false);
  assert.equal(noInstance.code, grpc.status.UNAVAILABLE, JSON.stringify(noInstance));
  await assertNothingNacked();
});

test('tls MUTUAL with the client files: the server that requires a client certificate sees it; SIMPLE is refused there', async () => {
  await applyOk(entry('ledger', 8443, '127.0.0.72', ledgerPort) + '---\n' + rule('ledger', `{mode: SIMPLE, caCertificates: ${file('external-ca.pem')}}`));
  const ledger = client('xds:///ledger.external.example:8443');
  const simple = await settle(ledger, false);
  assert.equal(simple.code, grpc.status.UNAVAILABLE, `no client certificate: ${JSON.stringify(simple)}`);

  await applyOk(rule('ledger', `{mode: MUTUAL, caCertificates: ${file('external-ca.pem')}, clientCertificate: ${file('client.pem')}, privateKey: ${file('client-key.pem')}}`));
  const mutual = await settle(ledger, true);
  assert.deepEqual(reply(mutual), { servedBy: 'ledger', transportSecurityType: 'ssl', peerSubjectAltName: 'DNS:tls-client.egress.example' }, JSON.stringify(mutual));
  await assertNothingNacked();
});

/**
 * Seed 000 replayed with real peers (issue 4, "How it is checked"): Debian's nginx, configured as
 * ingress-nginx renders the seed's Ingress annotations, in front of an xDS-enabled
 * @grpc/grpc-js-xds server that only meshgate configures (its Listener: TLS from the bootstrap's
 * certificate provider, the IngressBackend as an RBAC filter). meshgate runs embedded in this
 * process; the XdsServer too (this process is that one xDS node); nginx is a child process.
 *
 *   gRPC client ──h2c──▶ nginx 127.0.0.1:<port> ──grpc(s), from 127.0.0.2 (or .3)──▶ XdsServer 127.0.0.10:<port>
 *
 * The seed's steps, in its order: the http IngressBackend admits nginx's Service endpoint
 * (127.0.0.2) and nothing else; the https one admits nginx's meshgate-issued client certificate
 * (`ingress-nginx.ingress-nginx.cluster.local`, read from the secret the MeshConfig asks for)
 * from that address; the principal changed to `untrusted-client.cluster.local` is refused
 * (PERMISSION_DENIED, the seed's 403); `skipClientCertValidation: true` admits it again. Each
 * change reaches the running server over xDS; nginx opens a connection per request, so the next
 * call sees the new Listener. Waiting for a change is polling calls with a deadline.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { startWorkloadAgent, type WorkloadAgent } from '../src/agent.js';
import { call, callUntil, METHODS, type CallResult } from '../src/backends.js';
import { ingressNginxServer, type SecretFiles } from '../src/ingress-nginx.js';
import { nginxBinary, startNginx, type NginxServer, type RunningNginx } from '../src/nginx.js';
import { freePort } from '../src/ports.js';
import { apply, eventually, getJson, proxies } from '../src/rest.js';
import {
  CLIENT_CERT_SECRET,
  HTTPBIN,
  HTTPBIN_SERVICE_PORT,
  httpIngressYaml,
  httpsIngressBackendYaml,
  httpsIngressYaml,
  meshConfigYaml,
  setupYaml,
  TRUSTED_PRINCIPAL,
  UNTRUSTED_PRINCIPAL,
  type Seed000Peers,
} from '../src/seed-000.js';
import { meshWorkloadBootstrap, parseServerReply, type ServerReply } from '../src/xds-server.js';
import { startInProcessXdsServer, type InProcessXdsServer } from '../src/xds-server-in-process.js';

/** ingress-nginx-controller's endpoint: nginx's upstream connections come from here. */
const NGINX_IP = '127.0.0.2';
/** Another address of this machine, which no IngressBackend source names. */
const OTHER_IP = '127.0.0.3';
const BACKEND_IP = '127.0.0.10';
const BACKEND_NODE_ID = 'httpbin-0.httpbin';

let meshgate: RunningMeshgate;
let directory: string;
/** The backend's `meshgate agent`: its certificate files and its mTLS connection to meshgate. */
let backendAgent: WorkloadAgent | undefined;
let backend: InProcessXdsServer | undefined;
let peers: Seed000Peers;
let nginx: RunningNginx | undefined;
/** Clients of the two nginx servers rendered from the current Ingress. */
let via: { fromNginx: grpc.Client; fromElsewhere: grpc.Client };
const clients: grpc.Client[] = [];

async function applyOk(yaml: string): Promise<void> {
  const applied = await apply(meshgate.apiUrl, yaml, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
}

/** The Ingress as meshgate stores it: what ingress-nginx would watch. */
async function storedIngress(): Promise<unknown> {
  const { status, body } = await getJson<unknown>(`${meshgate.apiUrl}/v1/resources/ingresses/${HTTPBIN}/${HTTPBIN}`, meshgate.apiToken);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

/**
 * (Re)starts nginx with two servers rendered from the stored Ingress, as ingress-nginx would on a
 * change: one whose upstream connections come from nginx's own address, one from another address.
 */
async function renderIngressNginx(secretFiles?: SecretFiles): Promise<void> {
  const ingress = await storedIngress();
  await nginx?.stop();
  nginx = undefined;
  const render = async (name: string, bind: string): Promise<NginxServer> =>
    ingressNginxServer(ingress, {
      name,
      listen: { host: '127.0.0.1', port: await freePort() },
      bind,
      upstream: (service, port) => {
        assert.deepEqual([service, port], [HTTPBIN, HTTPBIN_SERVICE_PORT], 'the Ingress routes to the httpbin Service');
        return `${peers.backend.ip}:${peers.backend.port}`; // its one endpoint
      },
      secretFiles: (ref) => {
        assert.deepEqual(ref, CLIENT_CERT_SECRET, 'proxy-ssl-secret names the MeshConfig\'s secret');
        assert.ok(secretFiles, 'the secret is published before an Ingress names it');
        return secretFiles;
      },
    });
  const servers = [await render(`ingress-nginx (${NGINX_IP})`, NGINX_IP), await render(`elsewhere (${OTHER_IP})`, OTHER_IP)];
  nginx = await startNginx(servers);
  const client = (server: NginxServer) => {
    const created = new grpc.Client(`${server.listen.host}:${server.listen.port}`, grpc.credentials.createInsecure());
    clients.push(created);
    return created;
  };
  via = { fromNginx: client(servers[0]), fromElsewhere: client(servers[1]) };
}

/** What the backend replied, or undefined for a failed call. */
function replyOf(result: CallResult): ServerReply | undefined {
  return result.ok && result.servedBy !== undefined ? parseServerReply(Buffer.from(result.servedBy)) : undefined;
}

async function explain(result: CallResult): Promise<string> {
  return `${JSON.stringify(result)}\n${(await nginx?.diagnostics()) ?? ''}`;
}

/**
 * The client certificate the MeshConfig asks for, as meshgate publishes it (a Kubernetes TLS
 * secret behind the API token, values base64), decoded; waits for the CA to publish it.
 */
async function publishedSecret(): Promise<Record<'tls.crt' | 'tls.key' | 'ca.crt', string>> {
  const token = meshgate.apiToken;
  assert.ok(token, `meshgate has an API token (${meshgate.apiTokenSource})`);
  const url = `${meshgate.apiUrl}/v1/secrets/${CLIENT_CERT_SECRET.namespace}/${CLIENT_CERT_SECRET.name}`;
  const body = await eventually(`${url} to be published`, async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 404) return undefined;
    const answer: unknown = await response.json();
    assert.equal(response.status, 200, JSON.stringify(answer));
    return answer;
  });
  const data: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'data') : undefined;
  const decoded = (key: string): string => {
    const value: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, key) : undefined;
    assert.equal(typeof value, 'string', `data['${key}'] of ${JSON.stringify(body)}`);
    return Buffer.from(String(value), 'base64').toString('utf8');
  };
  return { 'tls.crt': decoded('tls.crt'), 'tls.key': decoded('tls.key'), 'ca.crt': decoded('ca.crt') };
}

/** The backend's xDS stream: every type ACKed, none NACKed (a NACK would leave the old policy in force). */
async function assertBackendAcked(): Promise<void> {
  await eventually('the backend to ACK its configuration', async () => {
    const status = (await proxies(meshgate.apiUrl, meshgate.apiToken)).find((proxy) => proxy.id === BACKEND_NODE_ID);
    if (status === undefined) return undefined;
    for (const [type, typeStatus] of Object.entries(status.types)) assert.equal(typeStatus.nack, null, `${type} NACKed: ${JSON.stringify(typeStatus.nack)}`);
    return Object.values(status.types).every((typeStatus) => typeStatus.synced) ? true : undefined;
  });
}

before(async () => {
  nginxBinary(); // fails at once, with the apt-get line, when nginx is missing
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  directory = await mkdtemp(path.join(tmpdir(), 'meshgate-seed-000-'));
  peers = { nginxIp: NGINX_IP, backend: { ip: BACKEND_IP, port: await freePort() } };

  assert.ok(meshgate.apiToken);
  backendAgent = await startWorkloadAgent(
    { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` },
    { nodeId: BACKEND_NODE_ID, namespace: HTTPBIN, serviceAccount: HTTPBIN },
  );
  const certificateDir = backendAgent.certificateDir;
  backend = await startInProcessXdsServer({
    name: 'httpbin-0',
    ip: BACKEND_IP,
    port: peers.backend.port,
    bootstrap: meshWorkloadBootstrap(backendAgent.address, {
      id: BACKEND_NODE_ID,
      namespace: HTTPBIN,
      serviceAccount: HTTPBIN,
      labels: { app: HTTPBIN },
      ips: [BACKEND_IP],
      certificateDir,
    }),
  });
  // The httpbin Service selects the server: from here on meshgate sends it a Listener.
  await applyOk(setupYaml(peers));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    backend.serving,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the XdsServer did not serve ${backend?.address} within 20 s`)), 20000))),
  ]).finally(() => clearTimeout(timer));
});

after(async () => {
  for (const client of clients) client.close();
  await nginx?.stop();
  backend?.stop();
  await backendAgent?.stop();
  await meshgate?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

test('the XdsServer listens on its IPv4 address only, so source-address rules see IPv4 peers', () => {
  assert.deepEqual(backend?.socketAddress(), { address: BACKEND_IP, family: 'IPv4', port: peers.backend.port });
});

test('HTTP ingress: the http IngressBackend admits the ingress-nginx-controller endpoint and refuses another address', async () => {
  await applyOk(httpIngressYaml(peers));
  const { body: status } = await getJson<{ status?: { currentStatus?: string } }>(`${meshgate.apiUrl}/v1/resources/ingressbackends/${HTTPBIN}/${HTTPBIN}`, meshgate.apiToken);
  assert.equal(status.status?.currentStatus, 'committed', JSON.stringify(status));

  await renderIngressNginx();
  const { fromNginx, fromElsewhere } = via;
  // Before the policy is live the plain listener admits everyone: wait for the refusal first.
  const refused = await callUntil(fromElsewhere, METHODS.hello, (r) => r.code === grpc.status.PERMISSION_DENIED);
  assert.equal(refused.code, grpc.status.PERMISSION_DENIED, `from ${OTHER_IP}: ${await explain(refused)}`);

  const admitted = await call(fromNginx, METHODS.hello);
  assert.deepEqual(replyOf(admitted), { servedBy: 'httpbin-0', transportSecurityType: null, peerSubjectAltName: null }, `from ${NGINX_IP}: ${await explain(admitted)}`);
  await assertBackendAcked();
});

test('HTTPS ingress: nginx presents the certificate the MeshConfig asked for, and the trusted principal is admitted', async () => {
  await applyOk(meshConfigYaml());
  const secret = await publishedSecret();
  const issued = new X509Certificate(secret['tls.crt']);
  assert.equal(issued.subjectAltName, `DNS:${TRUSTED_PRINCIPAL}`, 'the MeshConfig subjectAltNames, DNS only');

  const files = path.join(directory, 'osm-nginx-client-cert');
  await mkdir(files, { mode: 0o700 });
  const secretFiles: SecretFiles = {
    certificateFile: path.join(files, 'tls.crt'),
    certificateKeyFile: path.join(files, 'tls.key'),
    trustedCertificateFile: path.join(files, 'ca.crt'),
  };
  await writeFile(secretFiles.certificateFile, secret['tls.crt'], { mode: 0o600 });
  await writeFile(secretFiles.certificateKeyFile, secret['tls.key'], { mode: 0o600 });
  await writeFile(secretFiles.trustedCertificateFile, secret['ca.crt'], { mode: 0o600 });

  await applyOk(`${httpsIngressYaml()}---\n${httpsIngressBackendYaml(peers, TRUSTED_PRINCIPAL, false)}`);
  await renderIngressNginx(secretFiles);
  const { fromNginx, fromElsewhere } = via;
  // Until the https Listener is live the backend speaks plaintext and nginx's TLS handshake fails.
  const admitted = await callUntil(fromNginx, METHODS.hello, (r) => r.ok);
  assert.deepEqual(
    replyOf(admitted),
    { servedBy: 'httpbin-0', transportSecurityType: 'ssl', peerSubjectAltName: `DNS:${TRUSTED_PRINCIPAL}` },
    `over mTLS from ${NGINX_IP}: ${await explain(admitted)}`,
  );
  // The source Service is ANDed with the principal: the same certificate from elsewhere is refused.
  const elsewhere = await call(fromElsewhere, METHODS.hello);
  assert.equal(elsewhere.code, grpc.status.PERMISSION_DENIED, `same certificate from ${OTHER_IP}: ${await explain(elsewhere)}`);
  await assertBackendAcked();
});

test('HTTPS ingress: the principal changed to untrusted-client.cluster.local is refused (the seed\'s 403)', async () => {
  await applyOk(httpsIngressBackendYaml(peers, UNTRUSTED_PRINCIPAL, false));
  const refused = await callUntil(via.fromNginx, METHODS.hello, (r) => r.code === grpc.status.PERMISSION_DENIED);
  assert.equal(refused.code, grpc.status.PERMISSION_DENIED, `untrusted principal: ${await explain(refused)}`);
  assert.match(refused.details ?? '', /Unauthorized RPC rejected/);
  await assertBackendAcked();
});

test('HTTPS ingress: skipClientCertValidation: true admits the untrusted principal again, still only from nginx', async () => {
  await applyOk(httpsIngressBackendYaml(peers, UNTRUSTED_PRINCIPAL, true));
  const admitted = await callUntil(via.fromNginx, METHODS.hello, (r) => r.ok);
  // The server no longer asks for a client certificate. grpc-js shows a TLS connection's auth
  // context only for a verified client certificate, so the reply shows none; the connection is
  // still TLS (nginx's grpcs:// upstream cannot talk to a plaintext listener).
  assert.deepEqual(replyOf(admitted), { servedBy: 'httpbin-0', transportSecurityType: null, peerSubjectAltName: null }, `skip validation: ${await explain(admitted)}`);
  const elsewhere = await call(via.fromElsewhere, METHODS.hello);
  assert.equal(elsewhere.code, grpc.status.PERMISSION_DENIED, `from ${OTHER_IP}, validation skipped: ${await explain(elsewhere)}`);
  await assertBackendAcked();
});

/**
 * `meshgate proxy bootstrap` and `meshgate agent` against a real meshgate (embedded, in memory,
 * loopback, port 0): the Envoy bootstrap and its certificate authenticate on the mTLS xDS port
 * as the identity asked for; the grpc files start an agent that relays the application's ADS
 * over mTLS, refuses an application claiming another identity or asking for secrets, and a used
 * join token does not enroll a second agent.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { pino } from 'pino';
import { parseAgentConfig, SDS_NOT_PROXIED, startAgent, type RunningAgent } from '../src/agent/index.js';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const TOKEN = 'cli-test-token-agent-0123456789abcdef';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const SDS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

type Message = Record<string, unknown>;

function adsClient(address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}) {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  return new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(address, credentials, options) as unknown as grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<Message, Message> };
}

/** Sends one request and resolves with the first response or the final status. */
function exchange(client: ReturnType<typeof adsClient>, request: Message): Promise<{ response?: Message; status?: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const call = client.StreamAggregatedResources();
    call.on('data', (response: Message) => {
      resolve({ response });
      call.cancel();
    });
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ status }));
    call.write(request);
  });
}

function node(id: string, fields: Record<string, string>): Message {
  return { id, metadata: { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { stringValue: v, kind: 'stringValue' }])) } };
}

describe('meshgate proxy bootstrap and meshgate agent', { timeout: 90_000 }, () => {
  let running: RunningMeshgate;
  let work: string;
  let agent: RunningAgent | undefined;
  const cli = (argv: string[]) => runCli(argv, { server: running.apiUrl, env: {}, cwd: work });
  const xdsAddress = () => `127.0.0.1:${running.xdsSecurePort}`;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-agent-'));
    running = await startMeshgate({ memory: true, apiToken: TOKEN, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
  });

  after(async () => {
    await agent?.stop();
    await running?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('--client envoy writes a checked Envoy bootstrap and a certificate that authenticates on the mTLS port', async () => {
    const result = await cli(['proxy', 'bootstrap', 'gateway-0', '--namespace', 'istio-system', '--service-account', 'ingressgateway', '--role', 'ingress-gateway', '--out', 'envoy', '--xds-address', xdsAddress(), '--token', TOKEN]);
    assert.equal(result.code, 0, result.stderr);
    const bootstrap = JSON.parse(await readFile(path.join(work, 'envoy', 'envoy-bootstrap.json'), 'utf8')) as {
      node: { id: string; metadata: Record<string, string> };
      static_resources: { clusters: { name: string; transport_socket: { typed_config: { common_tls_context: { tls_certificates: { certificate_chain: { filename: string }; private_key: { filename: string } }[]; validation_context: { trusted_ca: { filename: string } } } } } }[] };
    };
    assert.equal(bootstrap.node.id, 'gateway-0');
    assert.equal(bootstrap.node.metadata.ROLE, 'ingress-gateway');
    const tls = bootstrap.static_resources.clusters[0].transport_socket.typed_config.common_tls_context;
    const chain = await readFile(tls.tls_certificates[0].certificate_chain.filename);
    const key = await readFile(tls.tls_certificates[0].private_key.filename);
    const ca = await readFile(tls.validation_context.trusted_ca.filename);
    assert.equal((await stat(tls.tls_certificates[0].private_key.filename)).mode & 0o777, 0o600);
    assert.match(new X509Certificate(chain).subjectAltName ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/istio-system\/sa\/ingressgateway/);

    // What Envoy would do with those files: ADS over mTLS, served as that identity.
    const client = adsClient(xdsAddress(), grpc.credentials.createSsl(ca, key, chain), { 'grpc.ssl_target_name_override': 'meshgate-xds.meshgate-system.cluster.local' });
    try {
      const { response, status } = await exchange(client, { node: node('gateway-0', { ROLE: 'ingress-gateway' }), type_url: SDS, resource_names: ['default'] });
      assert.ok(response, JSON.stringify(status));
      assert.equal((response.resources as unknown[]).length, 1);
      const forged = await exchange(client, { node: node('gateway-0', { NAMESPACE: 'httpbin' }), type_url: SDS, resource_names: ['default'] });
      assert.equal(forged.status?.code, grpc.status.PERMISSION_DENIED);
    } finally {
      client.close();
    }
  });

  it('--client grpc writes agent.json, a 0600 join token and a grpc-js-xds bootstrap pointing at the agent; the agent starts from them', async () => {
    const result = await cli(['proxy', 'bootstrap', 'echo-client-0', '--namespace', 'echo', '--service-account', 'echo-client', '--client', 'grpc', '--out', 'grpc', '--agent-listen', '127.0.0.1:0', '--xds-address', xdsAddress(), '--token', TOKEN]);
    assert.equal(result.code, 0, result.stderr);
    const dir = path.join(work, 'grpc');
    assert.equal((await stat(path.join(dir, 'join-token'))).mode & 0o777, 0o600);
    const bootstrap = JSON.parse(await readFile(path.join(dir, 'grpc-bootstrap.json'), 'utf8')) as { xds_servers: { server_uri: string; channel_creds: { type: string }[] }[]; certificate_providers: Record<string, unknown> };
    assert.equal(bootstrap.xds_servers[0].server_uri, '127.0.0.1:0');
    assert.deepEqual(bootstrap.xds_servers[0].channel_creds, [{ type: 'insecure' }]);
    assert.ok(bootstrap.certificate_providers.default);

    const config = parseAgentConfig(JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8')), dir);
    agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
    assert.match(new X509Certificate(await readFile(path.join(config.certificateDir, 'cert.pem'))).subjectAltName ?? '', /ns\/echo\/sa\/echo-client/);
    assert.equal((await stat(path.join(config.certificateDir, 'key.pem'))).mode & 0o777, 0o600);

    const local = adsClient(agent.address, grpc.credentials.createInsecure());
    try {
      const relayed = await exchange(local, { node: node('echo-client-0', { CLIENT: 'grpc' }), type_url: CDS, resource_names: [] });
      assert.equal(relayed.response?.type_url, CDS, JSON.stringify(relayed.status));
      const proxies = running.xds.proxies();
      assert.equal(proxies.find((p) => p.id === 'echo-client-0')?.node.serviceAccount, 'echo-client');

      const claiming = await exchange(local, { node: node('echo-client-0', { NAMESPACE: 'kube-system', SERVICE_ACCOUNT: 'admin' }), type_url: CDS, resource_names: [] });
      assert.equal(claiming.status?.code, grpc.status.PERMISSION_DENIED);
      assert.match(claiming.status?.details ?? '', /NAMESPACE "kube-system" \(agent: "echo"\)/);

      const secrets = await exchange(local, { node: node('echo-client-0', {}), type_url: SDS, resource_names: ['default'] });
      assert.equal(secrets.status?.code, grpc.status.PERMISSION_DENIED);
      assert.equal(secrets.status?.details, SDS_NOT_PROXIED);
    } finally {
      local.close();
    }
  });

  it('--upstream-ca and --upstream-client-cert add file_watcher instances named as DestinationRule files are, listed in CERTIFICATE_PROVIDERS', async () => {
    const base = ['proxy', 'bootstrap', 'tls-client-0', '--namespace', 'echo', '--service-account', 'tls-client', '--client', 'grpc', '--agent-listen', '127.0.0.1:0', '--xds-address', xdsAddress(), '--token', TOKEN];
    const result = await cli([...base, '--out', 'grpc-tls', '--upstream-ca', '/etc/billing/ca.pem', '--upstream-client-cert', '/etc/billing/client.pem:/etc/billing/key.pem']);
    assert.equal(result.code, 0, result.stderr);
    const bootstrap = JSON.parse(await readFile(path.join(work, 'grpc-tls', 'grpc-bootstrap.json'), 'utf8')) as { node: { metadata: Record<string, unknown> }; certificate_providers: Record<string, unknown> };
    assert.deepEqual(bootstrap.certificate_providers['file:ca=/etc/billing/ca.pem'], { plugin_name: 'file_watcher', config: { ca_certificate_file: '/etc/billing/ca.pem', refresh_interval: '10s' } });
    assert.deepEqual(bootstrap.certificate_providers['file:cert=/etc/billing/client.pem;key=/etc/billing/key.pem'], {
      plugin_name: 'file_watcher',
      config: { certificate_file: '/etc/billing/client.pem', private_key_file: '/etc/billing/key.pem', refresh_interval: '10s' },
    });
    assert.ok(bootstrap.certificate_providers.default, "the agent's own files stay");
    assert.deepEqual(bootstrap.node.metadata.CERTIFICATE_PROVIDERS, ['default', 'file:ca=/etc/billing/ca.pem', 'file:cert=/etc/billing/client.pem;key=/etc/billing/key.pem']);

    const bad = await cli([...base, '--out', 'grpc-bad', '--upstream-client-cert', '/etc/billing/client.pem']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--upstream-client-cert expects CERT_FILE:KEY_FILE/);
  });

  it('a used join token does not enroll a second agent', async () => {
    const dir = path.join(work, 'grpc');
    const raw = JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
    const second = parseAgentConfig({ ...raw, certificateDir: path.join(work, 'second-certs') }, dir);
    await assert.rejects(startAgent(second, { logger: pino({ level: 'silent' }) }), /already used/);
  });

  it('the agent refuses a listen address off the machine', () => {
    assert.throws(() => parseAgentConfig({ nodeId: 'a', namespace: 'n', serviceAccount: 's', xdsAddress: 'x:1', caUrl: 'http://x', certificateDir: 'c', listen: '0.0.0.0:15020' }, work), /loopback/);
  });
});

/**
 * `meshgate proxy bootstrap ID --namespace NS --service-account SA [--client envoy|grpc] [--out DIR]`:
 * creates a one-time join token for that identity (with the admin API token, as `meshgate cert
 * get` uses it) and writes what the proxy needs to start:
 * - envoy: the certificate (exchanged now: a local key's CSR and the join token) in `certs/`, and
 *   `envoy-bootstrap.json` with meshgate's mTLS xDS port as its ADS cluster, checked against the
 *   Envoy protos;
 * - grpc: `join-token` (0600), `agent.json` for `meshgate agent`, and `grpc-bootstrap.json` for
 *   the application (GRPC_XDS_BOOTSTRAP), pointing at the agent.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { ProxyIdentity } from '../agent/index.js';
import { parseServerUrl, problemMessage } from '../api-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { ensureDirectory, replaceFile } from '../files.js';
import { isRecord } from '../json.js';

interface BootstrapOptions {
  namespace: string;
  serviceAccount: string;
  client: string;
  out: string;
  role?: string;
  xdsAddress?: string;
  xdsServerName?: string;
  xdsServerIdentity: string;
  trustDomain: string;
  agentListen: string;
  ttl?: string;
  upstreamCa: string[];
  upstreamClientCert: string[];
}

const ROLES = ['sidecar', 'ingress-gateway', 'egress-gateway'] as const;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--upstream-ca` and `--upstream-client-cert` as the files of DestinationRules (paths as the rules write them). */
function upstreamTlsFiles(options: BootstrapOptions): { caCertificates?: string; clientCertificate?: string; privateKey?: string }[] {
  const pairs = options.upstreamClientCert.map((pair) => {
    const match = /^([^:]+):([^:]+)$/.exec(pair);
    if (!match) throw new CliError(`error: --upstream-client-cert expects CERT_FILE:KEY_FILE, got "${pair}"`);
    return { clientCertificate: match[1], privateKey: match[2] };
  });
  return [...options.upstreamCa.map((caCertificates) => ({ caCertificates })), ...pairs];
}

export function registerProxyBootstrapCommand(program: Command, context: CliContext): void {
  const proxy = program.commands.find((c) => c.name() === 'proxy') ?? program.command('proxy').description('Proxies: what they need to connect to meshgate');
  proxy
    .command('bootstrap <id>')
    .description('create a one-time join token and write what Envoy (bootstrap + certificate) or meshgate agent (config + token + grpc-js-xds bootstrap) needs')
    .requiredOption('--namespace <ns>', "the proxy's namespace")
    .requiredOption('--service-account <sa>', "the proxy's service account")
    .option('--client <kind>', 'envoy or grpc (proxyless, through meshgate agent)', 'envoy')
    .option('--out <dir>', 'where to write the files', '.')
    .option('--role <role>', 'sidecar, ingress-gateway or egress-gateway (node metadata ROLE)')
    .option('--xds-address <host:port>', "meshgate's mTLS xDS port (default: the --server host, port 15012)")
    .option('--xds-server-identity <ns/sa>', "meshgate's xDS server identity (MESHGATE_XDS_SERVER_IDENTITY)", 'meshgate-system/meshgate-xds')
    .option('--xds-server-name <name>', "the DNS name meshgate's xDS certificate carries (default <sa>.<ns>.<trust domain> of --xds-server-identity)")
    .option('--trust-domain <domain>', 'the mesh trust domain', 'cluster.local')
    .option('--agent-listen <address>', 'grpc: where the agent serves the application (127.0.0.1:PORT or unix:/path)', '127.0.0.1:15020')
    .option('--ttl <duration>', 'how long the join token stays usable (default 1h)')
    .option('--upstream-ca <file>', 'grpc: a DestinationRule caCertificates file the application has (repeatable)', collect, [])
    .option('--upstream-client-cert <cert:key>', 'grpc: a DestinationRule clientCertificate and privateKey pair the application has (repeatable)', collect, [])
    .action(async (id: string, options: BootstrapOptions, command: Command) =>
      runAction(context, async () => {
        if (options.client !== 'envoy' && options.client !== 'grpc') throw new CliError(`error: --client must be envoy or grpc, got "${options.client}"`);
        if (options.role !== undefined && !(ROLES as readonly string[]).includes(options.role)) throw new CliError(`error: --role must be one of ${ROLES.join(', ')}`);
        // Checked before a join token is spent.
        const upstreamTls = upstreamTlsFiles(options);
        if (options.client !== 'grpc' && upstreamTls.length > 0) throw new CliError('error: --upstream-ca and --upstream-client-cert are for --client grpc (Envoy reads the files the rule names itself)');
        // Loaded here, not at start-up: the xds package and the Envoy protos are heavy.
        const [{ agentConfig, enroll, envoyBootstrap, grpcBootstrap, splitHostPort }, { checkResource, TYPE_URLS }, { writeCertificateMaterial }] = await Promise.all([
          import('../agent/index.js'),
          import('@meshgate/envoy-proto'),
          import('@meshgate/xds'),
        ]);
        const api = clientFor(command, context);
        const serverUrl = parseServerUrl(String(command.optsWithGlobals().server ?? 'http://127.0.0.1:8080'));
        const xdsAddress = options.xdsAddress ?? `${serverUrl.hostname}:15012`;
        try {
          splitHostPort(xdsAddress);
        } catch (error) {
          throw new CliError(`error: --xds-address: ${error instanceof Error ? error.message : String(error)}`);
        }
        const serverIdentity = /^([^/\s]+)\/([^/\s]+)$/.exec(options.xdsServerIdentity);
        if (!serverIdentity) throw new CliError(`error: --xds-server-identity expects NAMESPACE/SERVICE_ACCOUNT, got "${options.xdsServerIdentity}"`);
        const [, serverNamespace, serverAccount] = serverIdentity;
        const xdsServerName = options.xdsServerName ?? `${serverAccount}.${serverNamespace}.${options.trustDomain}`;
        const serverSpiffeId = `spiffe://${options.trustDomain}/ns/${serverNamespace}/sa/${serverAccount}`;
        const identity: ProxyIdentity = {
          nodeId: id,
          namespace: options.namespace,
          serviceAccount: options.serviceAccount,
          trustDomain: options.trustDomain,
          ...(options.role ? { role: options.role as ProxyIdentity['role'] } : {}),
        };

        // The API client sends the resolved token (it needs the ca-admin scope) and explains a refusal.
        const response = await api.request('POST', '/v1/ca/join-tokens', {
          body: JSON.stringify({ namespace: options.namespace, serviceAccount: options.serviceAccount, ...(options.ttl ? { ttl: options.ttl } : {}) }),
          contentType: 'application/json',
        });
        if (response.status !== 201) throw new CliError(`error: creating the join token: ${problemMessage(response).replace(/^error: /, '')}`);
        const body = response.body;
        if (!isRecord(body) || typeof body.token !== 'string' || typeof body.expiresAt !== 'string') throw new CliError('error: unexpected answer to POST /v1/ca/join-tokens');
        const joinToken = body.token;

        const out = path.resolve(context.cwd, options.out);
        const certificateDir = path.join(out, 'certs');
        await ensureDirectory(out);
        const caUrl = serverUrl.origin;
        if (options.client === 'envoy') {
          const config = agentConfig(identity, { xdsAddress, xdsServerName, caUrl, certificateDir, listen: options.agentListen, joinTokenFile: '' });
          await writeCertificateMaterial(certificateDir, await enroll(config, joinToken).catch((error: unknown) => {
            throw new CliError(`error: ${error instanceof Error ? error.message : String(error)}`);
          }));
          const bootstrap = envoyBootstrap(identity, { address: xdsAddress, serverName: xdsServerName, serverSpiffeId }, certificateDir);
          const problems = checkResource(TYPE_URLS.bootstrap, bootstrap);
          if (problems.length > 0) throw new CliError(`error: the Envoy bootstrap does not match the Envoy protos (a bug): ${problems.join('; ')}`);
          const file = path.join(out, 'envoy-bootstrap.json');
          await replaceFile(file, json(bootstrap), 0o644);
          context.stdout(`${file}\n${certificateDir}\n`);
          context.stderr(`envoy -c ${file}   (ADS over mTLS to ${xdsAddress} as spiffe://${options.trustDomain}/ns/${options.namespace}/sa/${options.serviceAccount})\n`);
          return;
        }
        const joinTokenFile = path.join(out, 'join-token');
        await replaceFile(joinTokenFile, `${joinToken}\n`, 0o600);
        const config = agentConfig(identity, { xdsAddress, xdsServerName, caUrl, certificateDir, listen: options.agentListen, joinTokenFile });
        const agentFile = path.join(out, 'agent.json');
        await replaceFile(agentFile, json(config), 0o644);
        const bootstrapFile = path.join(out, 'grpc-bootstrap.json');
        await replaceFile(bootstrapFile, json(grpcBootstrap(identity, options.agentListen, certificateDir, upstreamTls)), 0o644);
        context.stdout(`${agentFile}\n${joinTokenFile}\n${bootstrapFile}\n`);
        context.stderr(`meshgate agent --config ${agentFile}   (the join token is good once, until ${body.expiresAt})\nGRPC_XDS_BOOTSTRAP=${bootstrapFile} for the application\n`);
      }),
    );
}

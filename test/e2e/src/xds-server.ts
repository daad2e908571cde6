/**
 * Proxyless mesh workloads for the e2e tests: the bootstrap of a node with an identity
 * (certificate files, service account, addresses) and an xDS-enabled gRPC server run as a child
 * process (`xds-server-child.ts`) — one process per xDS node, as grpc-js-xds reads one bootstrap
 * per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { bootstrapCertificateProviders } from '@meshgate/xds';
import { METHODS, rawServiceDefinition } from './backends.js';

export const XDS_SERVER_ADDRESS_ENV = 'E2E_XDS_SERVER_ADDRESS';
export const XDS_SERVER_NAME_ENV = 'E2E_XDS_SERVER_NAME';
/** The bootstrap's template for server listener names; the compiler's `grpcServerListenerName` spells the same. */
export const SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

export interface MeshWorkload {
  id: string;
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** The workload's addresses (`INSTANCE_IPS`); a server needs the one it binds. */
  ips?: string[];
  /** Where its `meshgate agent` keeps its certificate, key and trust bundle. */
  certificateDir: string;
}

/**
 * The bootstrap of a proxyless node with a mesh identity: `proxylessBootstrap`'s, plus
 * SERVICE_ACCOUNT and INSTANCE_IPS in the node metadata, the `file_watcher` certificate provider
 * `default` over its files, and the server listener template (ignored by a client, needed by an
 * XdsServer).
 */
export function meshWorkloadBootstrap(xdsAddress: string, workload: MeshWorkload): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    CLIENT: 'grpc',
    ROLE: 'sidecar',
    NAMESPACE: workload.namespace,
    SERVICE_ACCOUNT: workload.serviceAccount,
    LABELS: workload.labels,
  };
  if (workload.ips) metadata.INSTANCE_IPS = workload.ips.join(',');
  return {
    xds_servers: [{ server_uri: xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: workload.id, locality: {}, metadata },
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
    ...bootstrapCertificateProviders(workload.certificateDir),
  };
}

/** What the child server answers: who served, and what it saw of the connection's security. */
export interface ServerReply {
  servedBy: string;
  /** `ssl` over TLS, else null. */
  transportSecurityType: string | null;
  /** The verified client certificate's SANs as Node prints them (`DNS:…, URI:…`), or null. */
  peerSubjectAltName: string | null;
}

/** The scenario's methods, each answering a ServerReply from `name` (what the xDS-enabled servers serve). */
export function replyService(name: string): { definition: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation } {
  const paths = Object.values(METHODS);
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const path of paths) {
    handlers[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const auth = call.getAuthContext();
      const reply: ServerReply = {
        servedBy: name,
        transportSecurityType: auth?.transportSecurityType ?? null,
        peerSubjectAltName: auth?.sslPeerCertificate?.subjectaltname ?? null,
      };
      callback(null, Buffer.from(JSON.stringify(reply)));
    };
  }
  return { definition: rawServiceDefinition(paths), handlers };
}

export function parseServerReply(bytes: Buffer): ServerReply {
  const value: unknown = JSON.parse(bytes.toString('utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`not a server reply: ${bytes.toString('utf8')}`);
  const get = (key: string): unknown => (value as Record<string, unknown>)[key];
  const servedBy = get('servedBy');
  const transportSecurityType = get('transportSecurityType');
  const peerSubjectAltName = get('peerSubjectAltName');
  const nullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
  if (typeof servedBy !== 'string' || !nullableString(transportSecurityType) || !nullableString(peerSubjectAltName)) {
    throw new Error(`not a server reply: ${bytes.toString('utf8')}`);
  }
  return { servedBy, transportSecurityType, peerSubjectAltName };
}

export interface XdsServerProcess {
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

const childEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'xds-server-child.js');

/**
 * Starts an XdsServer bound to `address` (`ip:port`) with `bootstrap`, and resolves once it
 * serves — i.e. once meshgate sent a Listener for that address. Rejects with the process output
 * if it exits first or `deadlineMs` passes.
 */
export async function startXdsServerProcess(options: { name: string; address: string; bootstrap: Record<string, unknown>; deadlineMs?: number }): Promise<XdsServerProcess> {
  const child = spawn(process.execPath, [childEntry], {
    env: {
      ...process.env,
      GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(options.bootstrap),
      GRPC_XDS_EXPERIMENTAL_RBAC: 'true',
      [XDS_SERVER_ADDRESS_ENV]: options.address,
      [XDS_SERVER_NAME_ENV]: options.name,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const serving = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`serving ${options.address}`)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => reject(new Error(`the xDS server exited (${code ?? signal}) before serving:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadlineMs = options.deadlineMs ?? 20000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the xDS server did not serve ${options.address} within ${deadlineMs} ms:\n${output}`)), deadlineMs);
  });
  try {
    await Promise.race([serving, timedOut]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { child, output: () => output, stop };
}

/**
 * `meshgate agent`'s configuration file (JSON, written by `meshgate proxy bootstrap --client
 * grpc`): who the workload is, where meshgate's mTLS xDS port and REST API are, where the
 * certificate files go and where the application's xDS is served. Unknown keys are refused.
 */
import path from 'node:path';

export interface AgentConfig {
  /** The application's node id; the agent's own SDS stream is `<nodeId>~agent`. */
  nodeId: string;
  namespace: string;
  serviceAccount: string;
  trustDomain: string;
  /** meshgate's mTLS xDS port, `host:port` (MESHGATE_XDS_SECURE_PORT, default 15012). */
  xdsAddress: string;
  /** The name meshgate's xDS server certificate must carry (default `meshgate-xds.meshgate-system.<trustDomain>`). */
  xdsServerName: string;
  /** meshgate's REST API, for the first certificate (`POST /v1/ca/workload-certificates`). */
  caUrl: string;
  /** Where `cert.pem`, `key.pem` (0600) and `ca.pem` are kept, for the application's `file_watcher`. */
  certificateDir: string;
  /** Where the application's xDS is served: `127.0.0.1:PORT` (loopback only) or `unix:/path`. */
  listen: string;
  /** The one-time join token, read only when there is no valid certificate yet. */
  joinTokenFile?: string;
}

const KEYS = ['nodeId', 'namespace', 'serviceAccount', 'trustDomain', 'xdsAddress', 'xdsServerName', 'caUrl', 'certificateDir', 'listen', 'joinTokenFile'] as const;

export class AgentConfigError extends Error {}

function text(raw: Record<string, unknown>, key: string, required: true): string;
function text(raw: Record<string, unknown>, key: string, required: false): string | undefined;
function text(raw: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const value = raw[key];
  if (value === undefined || value === '') {
    if (required) throw new AgentConfigError(`agent config: ${key} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AgentConfigError(`agent config: ${key} must be a string`);
  return value;
}

/** Whether `listen` keeps the application's xDS on this machine: a loopback address or a Unix socket. */
export function isLocalListen(listen: string): boolean {
  if (listen.startsWith('unix:')) return listen.length > 'unix:'.length;
  const match = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):(\d+)$/.exec(listen);
  return match !== null && Number(match[2]) <= 65535;
}

/** Checks a parsed config file; relative paths resolve against `baseDir` (the file's directory). */
export function parseAgentConfig(raw: unknown, baseDir: string): AgentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AgentConfigError('agent config: expected a JSON object');
  const record = raw as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((key) => !(KEYS as readonly string[]).includes(key));
  if (unknownKey !== undefined) throw new AgentConfigError(`agent config: unknown key "${unknownKey}"; expected ${KEYS.join(', ')}`);
  const trustDomain = text(record, 'trustDomain', false) ?? 'cluster.local';
  const listen = text(record, 'listen', true);
  if (!isLocalListen(listen)) throw new AgentConfigError(`agent config: listen "${listen}" must be a loopback address (127.0.0.1:PORT) or unix:/path: the application's xDS never leaves the machine`);
  const joinTokenFile = text(record, 'joinTokenFile', false);
  return {
    nodeId: text(record, 'nodeId', true),
    namespace: text(record, 'namespace', true),
    serviceAccount: text(record, 'serviceAccount', true),
    trustDomain,
    xdsAddress: text(record, 'xdsAddress', true),
    xdsServerName: text(record, 'xdsServerName', false) ?? `meshgate-xds.meshgate-system.${trustDomain}`,
    caUrl: text(record, 'caUrl', true),
    certificateDir: path.resolve(baseDir, text(record, 'certificateDir', true)),
    listen,
    ...(joinTokenFile === undefined ? {} : { joinTokenFile: path.resolve(baseDir, joinTokenFile) }),
  };
}

export function spiffeIdOf(config: Pick<AgentConfig, 'trustDomain' | 'namespace' | 'serviceAccount'>): string {
  return `spiffe://${config.trustDomain}/ns/${config.namespace}/sa/${config.serviceAccount}`;
}

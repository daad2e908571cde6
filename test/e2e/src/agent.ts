/**
 * `meshgate agent` for the e2e tests, in the test's process: a join token from meshgate's REST
 * API (with the admin token), then the agent module exchanging it for a certificate, holding the
 * mTLS ADS connection to meshgate's secure xDS port and serving the workload's xDS on loopback.
 * The grpc-js-xds bootstraps point at `address`; the `file_watcher` provider at `certificateDir`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAgentConfig, startAgent, type RunningAgent } from '@meshgate/cli/agent';
import { pino } from 'pino';

export interface WorkloadAgent {
  agent: RunningAgent;
  /** Where the application's bootstrap points (`127.0.0.1:PORT`). */
  address: string;
  /** cert.pem, key.pem, ca.pem, kept fresh by the agent. */
  certificateDir: string;
  /** The SANs of the certificate currently in the files, sorted (`DNS:…`, `URI:…`). */
  sans(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface AgentTarget {
  /** meshgate's REST API, where the join token is created and exchanged. */
  apiUrl: string;
  /** The admin token (the embedded run's `apiToken`). */
  apiToken: string;
  /** `127.0.0.1:<MESHGATE_XDS_SECURE_PORT>`. */
  xdsAddress: string;
}

export async function createJoinToken(target: Pick<AgentTarget, 'apiUrl' | 'apiToken'>, identity: { namespace: string; serviceAccount: string }, ttl?: string): Promise<string> {
  const response = await fetch(`${target.apiUrl}/v1/ca/join-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...identity, ...(ttl ? { ttl } : {}) }),
  });
  const body = (await response.json()) as { token?: string; message?: string };
  if (response.status !== 201 || typeof body.token !== 'string') throw new Error(`join token refused (${response.status}): ${body.message ?? JSON.stringify(body)}`);
  return body.token;
}

export async function startWorkloadAgent(target: AgentTarget, workload: { nodeId: string; namespace: string; serviceAccount: string }): Promise<WorkloadAgent> {
  const directory = await mkdtemp(path.join(tmpdir(), `meshgate-agent-${workload.serviceAccount}-`));
  await writeFile(path.join(directory, 'join-token'), await createJoinToken(target, { namespace: workload.namespace, serviceAccount: workload.serviceAccount }), { mode: 0o600 });
  const config = parseAgentConfig(
    { ...workload, xdsAddress: target.xdsAddress, caUrl: target.apiUrl, certificateDir: 'certs', listen: '127.0.0.1:0', joinTokenFile: 'join-token' },
    directory,
  );
  const agent = await startAgent(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }) });
  return {
    agent,
    address: agent.address,
    certificateDir: config.certificateDir,
    async sans() {
      const certificate = new X509Certificate(await readFile(path.join(config.certificateDir, 'cert.pem')));
      return (certificate.subjectAltName ?? '').split(', ').filter((entry) => entry !== '').sort();
    },
    stop: () => agent.stop(),
  };
}

/** The proxies of `GET /v1/proxies` that are applications, not agents' own SDS streams (`<id>~agent`). */
export function withoutAgents<T extends { id: string }>(proxies: T[]): T[] {
  return proxies.filter((proxy) => !proxy.id.endsWith('~agent'));
}

/**
 * `meshgate agent`, composed: the first certificate (join token + local key's CSR, unless the
 * files already hold a valid one), the agent's own SDS stream that keeps the files fresh, and
 * the application's xDS served locally and relayed over mTLS.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { writeCertificateMaterial } from '@meshgate/xds';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { enroll, EnrollmentError, usableCertificate } from './enroll.js';
import { LocalXdsServer } from './local-xds.js';
import { OwnSecrets } from './own-secrets.js';

export interface RunningAgent {
  /** Where the application's xDS is served (`127.0.0.1:PORT` or `unix:/path`). */
  address: string;
  /** Writes the certificate files whenever SDS sends new material. */
  secrets: OwnSecrets;
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  logger: Logger;
  /** How long to wait for the first SDS material before serving; default 30 s. */
  firstSecretsTimeoutMs?: number;
}

async function joinTokenOf(config: AgentConfig): Promise<string> {
  if (!config.joinTokenFile) throw new EnrollmentError(`no valid certificate in ${config.certificateDir} and no joinTokenFile in the agent config: create one with meshgate proxy bootstrap`);
  const token = (await readFile(config.joinTokenFile, 'utf8').catch((error: unknown) => {
    throw new EnrollmentError(`cannot read the join token ${config.joinTokenFile}: ${error instanceof Error ? error.message : String(error)}`);
  })).trim();
  if (token === '') throw new EnrollmentError(`the join token file ${config.joinTokenFile} is empty`);
  return token;
}

export async function startAgent(config: AgentConfig, options: StartAgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  if (!(await usableCertificate(config))) {
    logger.info({ identity: `${config.serviceAccount}.${config.namespace}` }, 'no valid certificate yet: exchanging the join token');
    await writeCertificateMaterial(config.certificateDir, await enroll(config, await joinTokenOf(config)));
  }
  const secrets = new OwnSecrets(config, logger);
  const first = once(secrets, 'written', { signal: AbortSignal.timeout(options.firstSecretsTimeoutMs ?? 30_000) });
  await secrets.start();
  try {
    await first;
  } catch (error) {
    secrets.stop();
    throw new Error(`no certificate from meshgate's SDS at ${config.xdsAddress} within the wait: ${error instanceof Error ? error.message : String(error)}`);
  }
  const local = new LocalXdsServer(config, logger);
  const address = await local.start();
  logger.info({ address, upstream: config.xdsAddress }, "serving the application's xDS");
  return {
    address,
    secrets,
    async stop() {
      secrets.stop();
      await local.stop();
    },
  };
}

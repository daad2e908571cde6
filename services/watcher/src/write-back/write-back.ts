/**
 * Writes back to the cluster what meshgate issues and decides (plan.ts says what), with
 * server-side apply (`fieldManager=meshgate`, `force=true`). It follows the MeshState: every
 * advance of the log (an apply, a SecretPublished on renewal, a TrustBundleChanged on rotation)
 * re-plans, and only what differs from what it last wrote is sent — a renewed certificate is
 * written once, an unchanged status not at all.
 *
 * A failed write is retried with backoff; a status for an object the cluster does not have (it
 * came from a manifest or the api) gets a 404 and is not retried until the object changes.
 * Secrets' contents are never logged; the last-written record holds digests only.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CompileOptions } from '@meshgate/compiler';
import { canonicalJson, type MeshState } from '@meshgate/model';
import type { Logger } from 'pino';
import { backoffDelay } from '../backoff.js';
import { applyObject } from '../kubernetes-apply.js';
import { KubernetesHttpError } from '../kubernetes-client.js';
import { KUBERNETES_RESOURCES, SECRET_RESOURCE, type KubernetesResource } from '../kubernetes-resources.js';
import type { IssuedSecretSource } from './ca-secrets.js';
import { planWriteBack, type SecretRef, type StatusWrite } from './plan.js';

export { SECRET_RESOURCE };
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': 'meshgate' };

/** The MeshState and its advances (a StateFollower). */
export interface FollowedState {
  readonly current: MeshState;
  on(event: 'advanced', listener: () => void): unknown;
  off(event: 'advanced', listener: () => void): unknown;
}

export interface WriteBackOptions {
  kubeConfig: KubeConfig;
  state: FollowedState;
  /** Where the issued secrets come from; without it, only statuses are written. */
  secrets?: IssuedSecretSource;
  compile: CompileOptions;
  logger: Logger;
  /** Retry delays after a failed write (default 500 ms … 30 s). */
  retry?: { minMs: number; maxMs: number };
}

export interface WriteBackReport {
  /** `Kind/namespace/name` (`…/status` for a status) of each object written this run. */
  written: string[];
  failed: { object: string; error: string }[];
}

interface Write {
  /** `Kind/namespace/name[/status]`. */
  key: string;
  resource: KubernetesResource;
  body: { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown };
  subresource?: 'status';
}

function resourceOf(kind: StatusWrite['kind']): KubernetesResource {
  const resource = KUBERNETES_RESOURCES.find((candidate) => candidate.kind === kind);
  if (!resource) throw new Error(`no Kubernetes resource for ${kind}`);
  return resource;
}

function digestOf(write: Write): string {
  return createHash('sha256').update(canonicalJson(write.body)).digest('hex');
}

export class KubernetesWriteBack {
  /** key → digest of the body last written (or answered 404). */
  private readonly written = new Map<string, string>();
  private running: Promise<WriteBackReport> | undefined;
  private again = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly listener = () => this.schedule();
  private lastReport: WriteBackReport = { written: [], failed: [] };

  constructor(private readonly options: WriteBackOptions) {}

  /** Writes what the current state asks for, then follows the state. */
  async start(): Promise<WriteBackReport> {
    this.options.state.on('advanced', this.listener);
    this.options.logger.info({ server: this.options.kubeConfig.getCurrentCluster()?.server, secrets: this.options.secrets !== undefined }, 'writing back to the Kubernetes API (server-side apply, field manager meshgate)');
    if (!this.options.secrets) this.options.logger.warn('no CA to read issued secrets from: writing back statuses only, no Secrets');
    return this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.state.off('advanced', this.listener);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  /** Runs now (after the run in progress, if any) and resolves with that run's report. */
  async sync(): Promise<WriteBackReport> {
    while (this.running) await this.running;
    if (this.stopped) return this.lastReport;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
    const report = await this.running;
    this.lastReport = report;
    if (this.again && !this.stopped) {
      this.again = false;
      this.schedule();
    }
    return report;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.sync();
  }

  private async run(): Promise<WriteBackReport> {
    const report: WriteBackReport = { written: [], failed: [] };
    const plan = planWriteBack(this.options.state.current, this.options.compile);
    const writes: Write[] = plan.statuses.map((status) => ({
      key: `${status.kind}/${status.namespace}/${status.name}/status`,
      resource: resourceOf(status.kind),
      // Nothing to say: no `status` at all (an empty map would be a field of its own), so the
      // apply drops what meshgate wrote there before and leaves the rest to its owners.
      body: { metadata: { name: status.name, namespace: status.namespace }, ...(Object.keys(status.status).length > 0 ? { status: status.status } : {}) },
      subresource: 'status' as const,
    }));
    const wanted = new Set(writes.map((write) => write.key));
    const { secrets } = this.options;
    if (secrets) {
      for (const ref of plan.issuedSecrets) await this.collect(report, ref, () => this.issuedSecretWrite(secrets, ref), writes, wanted);
      for (const ref of plan.bundleSecrets) await this.collect(report, ref, () => this.bundleSecretWrite(secrets, ref), writes, wanted);
    }
    for (const write of writes) {
      const digest = digestOf(write);
      if (this.written.get(write.key) === digest) continue;
      try {
        await applyObject(this.options.kubeConfig, write.resource, write.body, write.subresource);
        this.written.set(write.key, digest);
        report.written.push(write.key);
        this.options.logger.info({ object: write.key }, 'wrote back to Kubernetes');
      } catch (error) {
        if (write.subresource === 'status' && error instanceof KubernetesHttpError && error.statusCode === 404) {
          // Not in the cluster (a manifest's or the api's object): nothing to write it on.
          this.written.set(write.key, digest);
          this.options.logger.debug({ object: write.key }, 'no such object in the cluster; status not written');
          continue;
        }
        report.failed.push({ object: write.key, error: error instanceof Error ? error.message : String(error) });
      }
    }
    // Forget what is no longer planned, so that it is written again if it comes back.
    for (const key of this.written.keys()) if (!wanted.has(key)) this.written.delete(key);
    this.retryIfFailed(report);
    return report;
  }

  /** Adds one secret's write, unless its source has nothing yet; a read failure fails the run's item. */
  private async collect(report: WriteBackReport, ref: SecretRef, build: () => Promise<Write | null>, writes: Write[], wanted: Set<string>): Promise<void> {
    const key = `Secret/${ref.namespace}/${ref.name}`;
    wanted.add(key);
    try {
      const write = await build();
      if (write) writes.push(write);
    } catch (error) {
      report.failed.push({ object: key, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** The CA's published secret as a Kubernetes Secret; null until the CA has published it. */
  private async issuedSecretWrite(secrets: IssuedSecretSource, ref: SecretRef): Promise<Write | null> {
    const secret = await secrets.read(ref);
    if (!secret) return null;
    return {
      key: `Secret/${ref.namespace}/${ref.name}`,
      resource: SECRET_RESOURCE,
      body: { metadata: { name: ref.name, namespace: ref.namespace, labels: MANAGED_BY_LABELS }, type: secret.type, data: secret.data },
    };
  }

  /** The trust bundle as OSM's `osm-ca-bundle` holds it (`ca.crt`; the CA's key is not written). */
  private async bundleSecretWrite(secrets: IssuedSecretSource, ref: SecretRef): Promise<Write> {
    const pem = await secrets.bundle();
    return {
      key: `Secret/${ref.namespace}/${ref.name}`,
      resource: SECRET_RESOURCE,
      body: { metadata: { name: ref.name, namespace: ref.namespace, labels: MANAGED_BY_LABELS }, type: 'Opaque', data: { 'ca.crt': Buffer.from(pem, 'utf8').toString('base64') } },
    };
  }

  private retryIfFailed(report: WriteBackReport): void {
    clearTimeout(this.retryTimer);
    if (report.failed.length === 0) {
      this.attempt = 0;
      return;
    }
    const { minMs, maxMs } = this.options.retry ?? { minMs: 500, maxMs: 30_000 };
    const delay = backoffDelay(this.attempt++, minMs, maxMs);
    this.options.logger.warn({ failed: report.failed, retryInMs: delay }, 'writing back to Kubernetes failed; retrying');
    this.retryTimer = setTimeout(() => this.schedule(), delay);
  }
}

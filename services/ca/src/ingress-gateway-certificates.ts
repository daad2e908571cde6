/**
 * The ingress gateway's client certificate, as OSM issues it: the mesh's MeshConfig
 * (`osm-mesh-config`) asks in `spec.certificate.ingressGateway {secret, subjectAltNames,
 * validityDuration}` for a certificate that an ingress controller (nginx, Contour) presents to
 * the mesh's sidecars; the CA issues it with those DNS SANs and publishes it as the secret named
 * there, with `tls.crt` (leaf + chain), `tls.key` and `ca.crt` (the trust bundle).
 *
 * The controller follows the MeshState (a `StateFollower`) and reconciles on every advance and
 * on a timer. What it published is described by the secret's metadata in the store, so a
 * restart does not re-issue. It re-issues when the SANs or the duration change, when the trust
 * bundle changes (a root rotation, a dropped root), and once `renewFraction` of the lifetime has
 * passed; it deletes the secret when the MeshConfig, or its ingressGateway, goes away (or names
 * another secret).
 */
import { EventEmitter } from 'node:events';
import { ConcurrencyError } from '@meshgate/eventlog';
import { findMeshConfig, type MeshState } from '@meshgate/model';
import type { Logger } from 'pino';
import { secretRefText, TLS_SECRET_TYPE, type SecretRef, type SecretStore, type SecretSummary } from '@meshgate/secrets';
import { CaError, type CertificateAuthority, type CertificateInfo } from './types.js';

export const INGRESS_GATEWAY_SECRET_OWNER = 'ingress-gateway';
export const INGRESS_GATEWAY_SECRET_KEYS = ['ca.crt', 'tls.crt', 'tls.key'] as const;

/** Why a secret was (re)published; recorded as the `SecretPublished` event's reason. */
export type IngressGatewayPublishReason = 'created' | 'subject-alt-names-changed' | 'validity-changed' | 'trust-bundle-changed' | 'renewal';
/** The `SecretDeleted` reason: the MeshConfig no longer asks for this secret. */
export const NO_LONGER_REQUESTED = 'no-longer-requested';

/**
 * The MeshState and its advances: a `StateFollower` is one. `current` is read at each check;
 * `advanced` (the log moved on) starts one.
 */
export interface MeshStateSource {
  readonly current: MeshState;
  on(event: 'advanced', listener: () => void): unknown;
  off(event: 'advanced', listener: () => void): unknown;
}

export interface IngressGatewayCertificatesOptions {
  ca: CertificateAuthority;
  secrets: SecretStore;
  state: MeshStateSource;
  logger: Logger;
  /** Renew once this fraction of the lifetime has passed (MESHGATE_CERT_RENEW_FRACTION); default 0.5. */
  renewFraction?: number;
  /** How often to look for renewals and bundle changes besides the log's advances; default 5000. */
  checkIntervalMs?: number;
  /** The clock renewal decisions use (tests pass a fake one); default Date.now. */
  now?: () => number;
  /** Where OSM runs (the MeshConfig's namespace); default: the first `osm-mesh-config` found. */
  meshConfigNamespace?: string;
}

export interface IngressGatewayCertificatesEvents {
  published: [ref: SecretRef, info: CertificateInfo, reason: IngressGatewayPublishReason];
  deleted: [ref: SecretRef];
  /** The CA refused the MeshConfig's request (a SAN outside the trust domain, a bad duration): not retried until it changes. */
  refused: [ref: SecretRef, error: CaError];
}

/** What the MeshConfig asks for. */
interface Requested {
  ref: SecretRef;
  subjectAltNames: string[];
  validityDuration: string;
  /** `namespace/name` of the MeshConfig. */
  meshConfig: string;
}

/** What the controller keeps in the secret's metadata about the certificate it published. */
interface PublishedDetails {
  meshConfig: string;
  subjectAltNames: string[];
  validityDuration: string;
  certificateSerial: string;
  notBefore: string;
  notAfter: string;
  /** When the controller got it: the lifetime that renewal divides starts here at the earliest (notBefore is back-dated). */
  issuedAt: string;
  bundleVersion: string;
}

export class IngressGatewayCertificates extends EventEmitter<IngressGatewayCertificatesEvents> {
  private readonly renewFraction: number;
  private readonly now: () => number;
  private readonly onAdvanced = () => void this.check();
  private running: Promise<void> = Promise.resolve();
  private checkAgain = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** The request the CA last refused (canonical JSON), so that it is not asked again every check. */
  private refusedRequest?: string;

  constructor(private readonly options: IngressGatewayCertificatesOptions) {
    super();
    this.renewFraction = options.renewFraction ?? 0.5;
    if (!(this.renewFraction > 0 && this.renewFraction < 1)) throw new RangeError(`renewFraction must be between 0 and 1 (exclusive), got ${this.renewFraction}`);
    this.now = options.now ?? Date.now;
  }

  /** Follows the state and the timer; resolves after the first check. */
  async start(): Promise<void> {
    this.stopped = false;
    this.options.state.on('advanced', this.onAdvanced);
    this.timer ??= setInterval(() => void this.check(), this.options.checkIntervalMs ?? 5000);
    this.timer.unref();
    await this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.state.off('advanced', this.onAdvanced);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Reconciles the published secret with the MeshConfig, the trust bundle and the clock.
   * Resolves once a check that started after this call has finished; calls during a check fold
   * into one more. Failures are logged and retried by the next check, never thrown.
   */
  check(): Promise<void> {
    this.checkAgain = true;
    this.running = this.running.then(async () => {
      if (!this.checkAgain || this.stopped) return;
      this.checkAgain = false;
      try {
        await this.reconcile();
      } catch (error) {
        this.options.logger.error({ err: error }, 'reconciling the ingress gateway certificate failed; will retry');
      }
    });
    return this.running;
  }

  private async reconcile(): Promise<void> {
    const requested = this.requested();
    const owned = (await this.options.secrets.list()).filter((secret) => secret.meta.owner === INGRESS_GATEWAY_SECRET_OWNER);
    for (const secret of owned) {
      if (requested === undefined || secretRefText(secret.ref) !== secretRefText(requested.ref)) await this.retire(secret.ref);
    }
    if (requested === undefined) return;

    const bundle = await this.options.ca.trustBundle();
    const current = owned.find((secret) => secretRefText(secret.ref) === secretRefText(requested.ref));
    const reason = this.dueReason(requested, current, bundle.version);
    if (reason === undefined) return;
    if (this.refusedRequest === requestKey(requested)) return;
    await this.publish(requested, reason, bundle.version);
  }

  private requested(): Requested | undefined {
    const meshConfig = findMeshConfig(this.options.state.current, this.options.meshConfigNamespace);
    const spec = meshConfig?.spec.certificate.ingressGateway;
    if (meshConfig === undefined || spec === undefined) return undefined;
    return {
      ref: { namespace: spec.secret.namespace, name: spec.secret.name },
      subjectAltNames: spec.subjectAltNames,
      validityDuration: spec.validityDuration,
      meshConfig: `${meshConfig.metadata.namespace}/${meshConfig.metadata.name}`,
    };
  }

  /** Why the secret must be (re)published now, or undefined when what is published still serves. */
  private dueReason(requested: Requested, current: SecretSummary | undefined, bundleVersion: string): IngressGatewayPublishReason | undefined {
    const details = current === undefined ? undefined : parseDetails(current.meta.details);
    if (details === undefined) return 'created';
    if (JSON.stringify(details.subjectAltNames) !== JSON.stringify(requested.subjectAltNames)) return 'subject-alt-names-changed';
    if (details.validityDuration !== requested.validityDuration) return 'validity-changed';
    if (details.bundleVersion !== bundleVersion) return 'trust-bundle-changed';
    if (this.now() >= this.renewAt(details)) return 'renewal';
    return undefined;
  }

  /** Once `renewFraction` of the lifetime has passed, counted from when it was received (or notBefore, if later). */
  private renewAt(details: PublishedDetails): number {
    const notBefore = Date.parse(details.notBefore);
    const notAfter = Date.parse(details.notAfter);
    const start = Math.max(notBefore, Math.min(Date.parse(details.issuedAt), notAfter));
    return start + this.renewFraction * (notAfter - start);
  }

  private async publish(requested: Requested, reason: IngressGatewayPublishReason, bundleVersion: string): Promise<void> {
    const { ca, secrets, logger } = this.options;
    const secret = secretRefText(requested.ref);
    // Read before issuing: if another CA process publishes meanwhile, our append is refused.
    const expectedVersion = await secrets.streamVersion(requested.ref);
    let issued;
    try {
      issued = await ca.issue({ dnsNames: requested.subjectAltNames, validity: requested.validityDuration, reason: 'ingress-gateway' });
    } catch (error) {
      if (error instanceof CaError && error.code !== 'MG_ERR_CA_UNAVAILABLE') {
        this.refusedRequest = requestKey(requested);
        logger.warn({ secret, meshConfig: requested.meshConfig, code: error.code, field: error.field }, `the CA refuses the MeshConfig's ingressGateway certificate: ${error.message}`);
        this.emit('refused', requested.ref, error);
        return;
      }
      throw error;
    }
    this.refusedRequest = undefined;
    if (issued.privateKeyPem === undefined) throw new Error('the CA returned a certificate without its private key');
    const details: PublishedDetails = {
      meshConfig: requested.meshConfig,
      subjectAltNames: requested.subjectAltNames,
      validityDuration: requested.validityDuration,
      certificateSerial: issued.info.serialHex,
      notBefore: issued.info.notBefore,
      notAfter: issued.info.notAfter,
      issuedAt: new Date(this.now()).toISOString(),
      bundleVersion,
    };
    try {
      await secrets.publish(requested.ref, {
        type: TLS_SECRET_TYPE,
        data: { 'tls.crt': chainPem(issued.certificatePem, issued.chainPem), 'tls.key': issued.privateKeyPem, 'ca.crt': issued.caPem },
        owner: INGRESS_GATEWAY_SECRET_OWNER,
        details: { ...details },
        reason,
        certificateSerial: issued.info.serialHex,
        expectedVersion,
      });
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        // Another CA process published it first; the next check reads what it wrote.
        logger.info({ secret }, 'another CA process published the ingress gateway certificate first; keeping theirs');
        return;
      }
      throw error;
    }
    logger.info({ secret, serial: issued.info.serialHex, dnsNames: issued.info.dnsNames, notAfter: issued.info.notAfter, reason }, 'ingress gateway certificate published');
    this.emit('published', requested.ref, issued.info, reason);
  }

  private async retire(ref: SecretRef): Promise<void> {
    if (await this.options.secrets.delete(ref, NO_LONGER_REQUESTED)) {
      this.options.logger.info({ secret: secretRefText(ref) }, 'the MeshConfig no longer asks for this ingress gateway certificate; secret deleted');
      this.emit('deleted', ref);
    }
  }
}

function requestKey(requested: Requested): string {
  return JSON.stringify([requested.ref.namespace, requested.ref.name, requested.subjectAltNames, requested.validityDuration]);
}

/** The leaf followed by its intermediates. */
function chainPem(certificatePem: string, intermediatesPem: string): string {
  return [certificatePem, intermediatesPem]
    .map((pem) => pem.trim())
    .filter((pem) => pem !== '')
    .map((pem) => `${pem}\n`)
    .join('');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The details this controller wrote, or undefined for anything else (which is then re-published). */
function parseDetails(details: Record<string, unknown>): PublishedDetails | undefined {
  const { meshConfig, subjectAltNames, validityDuration, certificateSerial, notBefore, notAfter, issuedAt, bundleVersion } = details;
  if (
    typeof meshConfig !== 'string' ||
    !isStringArray(subjectAltNames) ||
    typeof validityDuration !== 'string' ||
    typeof certificateSerial !== 'string' ||
    typeof notBefore !== 'string' ||
    typeof notAfter !== 'string' ||
    typeof issuedAt !== 'string' ||
    typeof bundleVersion !== 'string' ||
    [notBefore, notAfter, issuedAt].some((time) => !Number.isFinite(Date.parse(time)))
  ) {
    return undefined;
  }
  return { meshConfig, subjectAltNames, validityDuration, certificateSerial, notBefore, notAfter, issuedAt, bundleVersion };
}

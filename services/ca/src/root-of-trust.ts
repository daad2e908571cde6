/**
 * The root of trust: which signer issues leaves and which roots are trusted. It is created on
 * first start (a generated root, or the operator's signer), adopted from the store on later
 * starts, rotated and pruned on request, and re-read when another CA process changed it.
 * Storage and its concurrency rules are in `signer-store.ts`.
 */
import type { Bus } from '@meshgate/bus';
import { ConcurrencyError, type EventStore, type StoredEvent } from '@meshgate/eventlog';
import type { Logger } from 'pino';
import { generateRoot } from './root-generation.js';
import { signerFingerprint, signerFromMaterial, type Signer, type SignerMaterial } from './signer.js';
import { SIGNER_SECRET_PREFIX, SignerStore, type BundleState } from './signer-store.js';
import { CaError, type KeyAlgorithm, type TrustBundle, type TrustBundleChangedData, type TrustedRoot } from './types.js';
import { sha256Hex } from './x509/der.js';

export interface RootOfTrustOptions {
  store: EventStore;
  signers: SignerStore;
  bus?: Pick<Bus, 'ringDoorbell'>;
  logger: Logger;
  trustDomain: string;
  rootKeyAlgorithm: KeyAlgorithm;
  rootValidityMs: number;
  /** How far notBefore is set back from now. */
  backdateMs: number;
  operatorSigner?: SignerMaterial;
  now: () => Date;
  randomBytes: (size: number) => Buffer;
}

interface ActiveState {
  bundle: BundleState;
  signer: Signer;
}

/** `TrustBundle.version`: a hash of the roots' fingerprints, in bundle order. */
export function rootVersion(roots: TrustedRoot[]): string {
  return sha256Hex(Buffer.from(roots.map((r) => r.info.fingerprintSha256).join('\n'))).slice(0, 16);
}

export class RootOfTrust {
  private current: ActiveState | undefined;
  private bundleCache: { state: ActiveState; from: number; until: number; bundle: TrustBundle } | undefined;
  /** Rotations, drops and refreshes run one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: RootOfTrustOptions) {}

  /**
   * Adopts the trust bundle recorded in the store, or creates the first root (or installs the
   * operator's signer). MG_ERR_CA_CONFIG when the stored key does not decrypt.
   */
  static async open(options: RootOfTrustOptions): Promise<RootOfTrust> {
    const roots = new RootOfTrust(options);
    await roots.bootstrap();
    return roots;
  }

  /** The signer of new leaves. */
  get signer(): Signer {
    return this.active.signer;
  }

  /**
   * The bundle of the roots still valid at `now`. Computed again only when the recorded bundle
   * changes or a root reaches its notAfter: every issuance hands the bundle out.
   */
  bundleAt(now: Date): TrustBundle {
    const state = this.active;
    const at = now.getTime();
    const cached = this.bundleCache;
    if (cached && cached.state === state && at >= cached.from && at < cached.until) return cached.bundle;
    // A root past its notAfter trusts nothing any more: it leaves the bundle when read.
    const roots = state.bundle.data.roots.filter((r) => Date.parse(r.info.notAfter) > at);
    const bundle = { pem: roots.map((r) => r.certificatePem).join(''), roots: roots.map((r) => r.info), version: rootVersion(roots) };
    this.bundleCache = { state, from: at, until: Math.min(...roots.map((r) => Date.parse(r.info.notAfter))), bundle };
    return bundle;
  }

  /** A new root becomes the signer; the bundle keeps the old roots after it. */
  rotate(): Promise<void> {
    return this.runExclusive(async () => {
      await this.reload();
      await this.publish(await this.newRootMaterial(), 'generated', 'rotation', this.active.bundle);
      this.options.logger.info({ activeRoot: this.signer.root.info.fingerprintSha256, roots: this.active.bundle.data.roots.length }, 'root rotated: the bundle holds the old and new roots');
    });
  }

  /** Keeps only the active signer's root, and deletes the dropped roots' keys. */
  dropInactive(): Promise<void> {
    return this.runExclusive(async () => {
      await this.reload();
      const { bundle, signer } = this.active;
      const activeRoot = signer.root.info.fingerprintSha256;
      const kept = bundle.data.roots.filter((r) => r.info.fingerprintSha256 === activeRoot);
      const dropped = bundle.data.roots.filter((r) => r.info.fingerprintSha256 !== activeRoot);
      if (dropped.length === 0) return;
      await this.appendBundle({ ...bundle.data, reason: 'drop-inactive', version: rootVersion(kept), roots: kept }, bundle.streamVersion);
      await this.deleteSignersOf(new Set(dropped.map((r) => r.info.fingerprintSha256)));
      this.options.logger.info({ dropped: dropped.map((r) => r.info.fingerprintSha256) }, 'inactive roots dropped from the trust bundle');
    });
  }

  /** Picks up a bundle another CA process wrote; one read of the stream's version when nothing changed. */
  refresh(): Promise<boolean> {
    return this.runExclusive(() => this.reload());
  }

  // ---------------------------------------------------------------- internals

  private get active(): ActiveState {
    if (this.current === undefined) throw new Error('the root of trust is not open');
    return this.current;
  }

  private runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work, work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private newRootMaterial(): Promise<SignerMaterial> {
    const { rootKeyAlgorithm, trustDomain, rootValidityMs, backdateMs } = this.options;
    return generateRoot({ algorithm: rootKeyAlgorithm, trustDomain, validityMs: rootValidityMs, now: this.options.now(), serialRandom: this.options.randomBytes(16), backdateMs });
  }

  private async bootstrap(): Promise<void> {
    const { operatorSigner: operator, logger } = this.options;
    const operatorSigner = operator ? signerFromMaterial(operator, 'the operator CA', this.options.now()) : undefined;
    // Another process may change the bundle between our read and our append: then read again.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const state = await this.options.signers.readBundle();
      try {
        if (operator && operatorSigner && state?.data.activeSignerFingerprintSha256 !== signerFingerprint(operatorSigner)) {
          await this.publish(operator, 'operator', state ? 'operator-root' : 'initial', state);
          logger.info({ signer: signerFingerprint(operatorSigner), subject: operatorSigner.certificate.info.subject }, "the operator's CA certificate signs new leaves");
        } else if (state === null) {
          await this.publish(await this.newRootMaterial(), 'generated', 'initial', null);
          logger.info({ root: signerFingerprint(this.signer), algorithm: this.options.rootKeyAlgorithm }, 'generated the root CA');
        } else {
          await this.adopt(state);
        }
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        logger.info({ attempt }, 'another CA process changed the trust bundle at the same time; reading it again');
      }
    }
    throw new CaError('MG_ERR_CA_UNAVAILABLE', 'the trust bundle kept changing while the CA started; retry');
  }

  /**
   * Stores a new signer's key, then records the bundle that makes it active (newest root first,
   * the previous roots kept until dropped or expired). A ConcurrencyError means another process
   * changed the bundle first: a generated key that lost is deleted again.
   */
  private async publish(material: SignerMaterial, source: 'generated' | 'operator', reason: TrustBundleChangedData['reason'], previous: BundleState | null): Promise<void> {
    const now = this.options.now();
    const signer = signerFromMaterial(material, source === 'operator' ? 'the operator CA' : 'the generated root', now);
    const fingerprint = signerFingerprint(signer);
    const root: TrustedRoot = { info: signer.root.info, certificatePem: signer.root.pem };
    const kept = (previous?.data.roots ?? []).filter((r) => r.info.fingerprintSha256 !== root.info.fingerprintSha256 && Date.parse(r.info.notAfter) > now.getTime());
    const roots = [root, ...kept];
    const data: TrustBundleChangedData = {
      version: rootVersion(roots),
      reason,
      activeSignerFingerprintSha256: fingerprint,
      activeRootFingerprintSha256: root.info.fingerprintSha256,
      roots,
    };
    await this.options.signers.saveSigner(material, {
      fingerprintSha256: fingerprint,
      rootFingerprintSha256: root.info.fingerprintSha256,
      subject: signer.certificate.info.subject,
      notAfter: signer.certificate.info.notAfter,
      source,
    });
    try {
      const event = await this.appendBundle(data, previous?.streamVersion ?? 0);
      this.current = { bundle: { streamVersion: event.streamVersion, data }, signer };
    } catch (error) {
      // An operator's key may be the very one the winner stored: only a generated key is ours to delete.
      if (error instanceof ConcurrencyError && source === 'generated') await this.options.signers.deleteSigner(fingerprint);
      throw error;
    }
  }

  private async appendBundle(data: TrustBundleChangedData, expectedVersion: number): Promise<StoredEvent> {
    const event = await this.options.signers.appendBundle(data, expectedVersion);
    this.options.bus?.ringDoorbell({ head: event.sequence }).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not ring the doorbell after a trust bundle change'));
    if (this.current) this.current = { ...this.current, bundle: { streamVersion: event.streamVersion, data } };
    return event;
  }

  /** Makes a recorded bundle current, decrypting its signer's key when the signer changed. */
  private async adopt(state: BundleState): Promise<void> {
    const fingerprint = state.data.activeSignerFingerprintSha256;
    const signer =
      this.current && signerFingerprint(this.current.signer) === fingerprint
        ? this.current.signer
        : signerFromMaterial(await this.options.signers.loadSigner(fingerprint), `stored signer ${fingerprint}`, this.options.now());
    this.current = { bundle: state, signer };
  }

  private async reload(): Promise<boolean> {
    if ((await this.options.signers.bundleVersion()) === this.active.bundle.streamVersion) return false;
    const state = await this.options.signers.readBundle();
    if (state === null) return false;
    await this.adopt(state);
    this.options.logger.info({ version: state.data.version, activeSigner: state.data.activeSignerFingerprintSha256 }, 'picked up a trust bundle changed by another CA process');
    return true;
  }

  private async deleteSignersOf(rootFingerprints: Set<string>): Promise<void> {
    for (const secret of await this.options.store.listSecrets(SIGNER_SECRET_PREFIX)) {
      const root = secret.meta.rootFingerprintSha256;
      if (typeof root === 'string' && rootFingerprints.has(root)) await this.options.store.deleteSecret(secret.name);
    }
  }
}

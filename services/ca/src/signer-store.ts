/**
 * Where the CA keeps its state, in the event store:
 *
 * - each signer's certificate chain and private key as one encrypted secret `ca/signer/<sha256>`
 *   (the secrets table: outside the event log, AES-256-GCM);
 * - the trust bundle as `TrustBundleChanged` events on the stream
 *   `CertificateAuthority/trust-bundle`; the latest says which roots are trusted and which signer
 *   is active. Certificates only: no key ever enters the log.
 *
 * Appends to that stream carry the expected stream version, so two CA processes that start (or
 * rotate) at once cannot both win: the loser's append fails with a ConcurrencyError, it deletes
 * the secret it wrote and adopts the winner's bundle.
 */
import type { EventStore, StoredEvent } from '@meshgate/eventlog';
import { SecretCipher } from '@meshgate/secrets';
import { asCaError, CaError, TRUST_BUNDLE_CHANGED, TRUST_BUNDLE_STREAM, type CertificateInfo, type TrustBundleChangedData, type TrustedRoot } from './types.js';
import type { SignerMaterial } from './signer.js';

export const SIGNER_SECRET_PREFIX = 'ca/signer/';

export interface BundleState {
  /** The stream version this state was read at (0: no bundle yet). */
  streamVersion: number;
  data: TrustBundleChangedData;
}

export interface SignerSecretMeta {
  fingerprintSha256: string;
  rootFingerprintSha256: string;
  subject: string;
  notAfter: string;
  source: 'generated' | 'operator';
  [key: string]: unknown;
}

export class SignerStore {
  constructor(
    private readonly store: EventStore,
    private readonly cipher: SecretCipher,
  ) {}

  static secretName(fingerprintSha256: string): string {
    return `${SIGNER_SECRET_PREFIX}${fingerprintSha256}`;
  }

  async saveSigner(material: SignerMaterial, meta: SignerSecretMeta): Promise<void> {
    const name = SignerStore.secretName(meta.fingerprintSha256);
    await this.store.putSecret(name, this.cipher.encrypt(JSON.stringify(material), name), { ...meta, cipher: 'aes-256-gcm' });
  }

  async loadSigner(fingerprintSha256: string): Promise<SignerMaterial> {
    const name = SignerStore.secretName(fingerprintSha256);
    const secret = await this.store.getSecret(name);
    if (secret === null) throw new CaError('MG_ERR_CA_CONFIG', `the active CA signer ${fingerprintSha256} has no key in the secret store (${name})`);
    let plaintext: string;
    try {
      plaintext = this.cipher.decrypt(secret.ciphertext, name);
    } catch (error) {
      throw asCaError(error);
    }
    const material: unknown = JSON.parse(plaintext);
    if (!isSignerMaterial(material)) throw new CaError('MG_ERR_CA_CONFIG', `secret ${name} does not hold CA signer material`);
    return material;
  }

  async deleteSigner(fingerprintSha256: string): Promise<void> {
    await this.store.deleteSecret(SignerStore.secretName(fingerprintSha256));
  }

  async readBundle(): Promise<BundleState | null> {
    const events = await this.store.readStream(TRUST_BUNDLE_STREAM);
    const latest = events.at(-1);
    if (latest === undefined) return null;
    if (latest.type !== TRUST_BUNDLE_CHANGED || !isTrustBundleChangedData(latest.data)) {
      throw new CaError('MG_ERR_CA_CONFIG', `event ${latest.sequence} on ${TRUST_BUNDLE_STREAM} is not a well-formed ${TRUST_BUNDLE_CHANGED}`);
    }
    return { streamVersion: latest.streamVersion, data: latest.data };
  }

  async bundleVersion(): Promise<number> {
    return this.store.streamVersion(TRUST_BUNDLE_STREAM);
  }

  /** Throws the event store's ConcurrencyError when someone else changed the bundle since `expectedVersion`. */
  async appendBundle(data: TrustBundleChangedData, expectedVersion: number): Promise<StoredEvent> {
    const { written } = await this.store.append([{ streamId: TRUST_BUNDLE_STREAM, type: TRUST_BUNDLE_CHANGED, data, expectedVersion }]);
    return written[0];
  }
}

// ---------------------------------------------------------------- shape checks for what is read back

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isSignerMaterial(value: unknown): value is SignerMaterial {
  return (
    isRecord(value) &&
    typeof value.certificatePem === 'string' &&
    typeof value.intermediatesPem === 'string' &&
    typeof value.rootPem === 'string' &&
    typeof value.privateKeyPem === 'string'
  );
}

function isCertificateInfo(value: unknown): value is CertificateInfo {
  return (
    isRecord(value) &&
    ['serialHex', 'subject', 'notBefore', 'notAfter', 'fingerprintSha256'].every((k) => typeof value[k] === 'string') &&
    isStringArray(value.dnsNames) &&
    isStringArray(value.uris)
  );
}

function isTrustedRoot(value: unknown): value is TrustedRoot {
  return isRecord(value) && typeof value.certificatePem === 'string' && isCertificateInfo(value.info);
}

const BUNDLE_REASONS = new Set(['initial', 'rotation', 'operator-root', 'drop-inactive']);

function isTrustBundleChangedData(value: unknown): value is TrustBundleChangedData {
  return (
    isRecord(value) &&
    typeof value.version === 'string' &&
    typeof value.reason === 'string' &&
    BUNDLE_REASONS.has(value.reason) &&
    typeof value.activeSignerFingerprintSha256 === 'string' &&
    typeof value.activeRootFingerprintSha256 === 'string' &&
    Array.isArray(value.roots) &&
    value.roots.every(isTrustedRoot)
  );
}

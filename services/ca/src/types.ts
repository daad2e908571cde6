/**
 * The certificate authority's contract. Two ways to reach it, one interface: in process
 * (embedded mode) and over gRPC (`proto/meshgate/v1/ca.proto`, distributed mode).
 * Private keys of the CA never leave the ca service; a leaf's private key is returned only to
 * the caller of `issue` (who asked for it) and never logged or put in the event log.
 */
import { SecretsError } from '@meshgate/secrets';

export type KeyAlgorithm = 'ECDSA_P256' | 'RSA_2048' | 'RSA_4096';

export type IssueReason = 'sds' | 'csr' | 'api' | 'ingress-gateway' | 'renewal' | 'root-rotation';

/** A mesh identity: its DNS SAN is `<serviceAccount>.<namespace>.<trustDomain>`, its URI SAN the SPIFFE id. */
export interface Identity {
  serviceAccount: string;
  namespace: string;
}

export interface CertificateInfo {
  serialHex: string;
  subject: string;
  dnsNames: string[];
  uris: string[];
  notBefore: string; // ISO-8601
  notAfter: string;
  fingerprintSha256: string; // hex, colon-free, lower case
}

export interface IssuedCertificate {
  info: CertificateInfo;
  /** The leaf. */
  certificatePem: string;
  /** Intermediates between the leaf and a root (empty when the root signs leaves directly). */
  chainPem: string;
  /** The trust bundle at issue time (every root currently trusted). */
  caPem: string;
  /** Present only from `issue` (the caller asked for a key), never from `signCsr`. */
  privateKeyPem?: string;
}

export interface IssueRequest {
  /** Either a mesh identity … */
  identity?: Identity;
  /** … or explicit DNS SANs (e.g. MeshConfig ingressGateway subjectAltNames). */
  dnsNames?: string[];
  /** Go-style duration such as `24h`, `90m`; clamped to the configured maximum; default configured. */
  validity?: string;
  keyAlgorithm?: KeyAlgorithm;
  reason: IssueReason;
}

export interface SignCsrRequest {
  csrPem: string;
  validity?: string;
  reason: IssueReason;
}

export interface TrustBundle {
  /** Concatenated PEM of every trusted root, newest first. */
  pem: string;
  roots: CertificateInfo[];
  /** Changes whenever the set of roots changes (content hash). */
  version: string;
}

export interface CertificateAuthority {
  trustBundle(): Promise<TrustBundle>;
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  signCsr(request: SignCsrRequest): Promise<IssuedCertificate>;
  /** Generates a new root; the bundle then holds old and new; leaves are issued under the new one. */
  rotateRoot(): Promise<TrustBundle>;
  /** Drops roots other than the active one (an operator's explicit step after a rotation). */
  dropInactiveRoots(): Promise<TrustBundle>;
}

/**
 * What the CA reports. `MG_ERR_CA_CONFIG` (added to the first contract) is a start-up failure:
 * no encryption key, a key that does not decrypt the stored CA key, unreadable operator PEM files.
 * `MG_ERR_UNAUTHENTICATED` / `MG_ERR_FORBIDDEN`: a call without a token, or with one that lacks the
 * scope (see access.ts); they travel over gRPC like the others, so `connectCa` reports them as such.
 */
export type CaErrorCode =
  | 'MG_ERR_CA_INVALID_CSR'
  | 'MG_ERR_CA_FOREIGN_SAN'
  | 'MG_ERR_CA_BAD_DURATION'
  | 'MG_ERR_CA_BAD_ALGORITHM'
  | 'MG_ERR_CA_BAD_REQUEST'
  | 'MG_ERR_CA_UNAVAILABLE'
  | 'MG_ERR_CA_CONFIG'
  | 'MG_ERR_UNAUTHENTICATED'
  | 'MG_ERR_FORBIDDEN';

/** Errors the CA reports; `field` names what was wrong in the request. */
export class CaError extends Error {
  constructor(
    readonly code: CaErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CaError';
  }
}

/** The secret store's errors (@meshgate/secrets) carry CA codes: callers see the same CaError as before it moved. */
export function asCaError(error: unknown): unknown {
  return error instanceof SecretsError ? new CaError(error.code, error.message, error.field) : error;
}

// ---------------------------------------------------------------- events (added to the first contract)

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA_P256', 'RSA_2048', 'RSA_4096'];
export const ISSUE_REASONS: readonly IssueReason[] = ['sds', 'csr', 'api', 'ingress-gateway', 'renewal', 'root-rotation'];

export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value);
}

export function isIssueReason(value: unknown): value is IssueReason {
  return typeof value === 'string' && (ISSUE_REASONS as readonly string[]).includes(value);
}

export const CERTIFICATE_ISSUED = 'CertificateIssued';
export const TRUST_BUNDLE_CHANGED = 'TrustBundleChanged';
/** The stream of `TrustBundleChanged` events: its latest event is the current set of roots. */
export const TRUST_BUNDLE_STREAM = 'CertificateAuthority/trust-bundle';

/** `Certificate/<serialHex>`: one stream per certificate. */
export function certificateStreamId(serialHex: string): string {
  return `Certificate/${serialHex}`;
}

/** The data of a `CertificateIssued` event. Public facts only: never a key. */
export interface CertificateIssuedData {
  serialHex: string;
  subject: string;
  dnsNames: string[];
  uris: string[];
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  reason: IssueReason;
  /** The certificate that signed it (the root itself, or an operator's intermediate). */
  issuerFingerprintSha256: string;
  rootFingerprintSha256: string;
}

export interface TrustedRoot {
  info: CertificateInfo;
  certificatePem: string;
}

/**
 * The data of a `TrustBundleChanged` event: the whole bundle (certificates are public), the
 * signer that issues new leaves, and why it changed. The keys stay in the secret store.
 */
export interface TrustBundleChangedData {
  /** Content hash of the root fingerprints, as `TrustBundle.version`. */
  version: string;
  reason: 'initial' | 'rotation' | 'operator-root' | 'drop-inactive';
  /** Fingerprint of the certificate that signs new leaves (a root, or an operator's intermediate). */
  activeSignerFingerprintSha256: string;
  activeRootFingerprintSha256: string;
  /** Newest first. */
  roots: TrustedRoot[];
}

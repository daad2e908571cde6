/**
 * The certificate authority's contract. Two ways to reach it, one interface: in process
 * (embedded mode) and over gRPC (`proto/meshgate/v1/ca.proto`, distributed mode).
 * Private keys of the CA never leave the ca service; a leaf's private key is returned only to
 * the caller of `issue` (who asked for it) and never logged or put in the event log.
 */

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

/** Errors the CA reports; `field` names what was wrong in the request. */
export class CaError extends Error {
  constructor(
    readonly code: 'MG_ERR_CA_INVALID_CSR' | 'MG_ERR_CA_FOREIGN_SAN' | 'MG_ERR_CA_BAD_DURATION' | 'MG_ERR_CA_BAD_ALGORITHM' | 'MG_ERR_CA_BAD_REQUEST' | 'MG_ERR_CA_UNAVAILABLE',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CaError';
  }
}

/** The messages of proto/meshgate/v1/ca.proto as @grpc/proto-loader decodes them (see messages.ts). */
export interface IdentityMessage {
  serviceAccount: string;
  namespace: string;
}

export interface IssueRequestMessage {
  identity: IdentityMessage | null;
  dnsNames: string[];
  validity: string;
  keyAlgorithm: string;
  reason: string;
}

export interface SignCsrRequestMessage {
  csrPem: string;
  validity: string;
  reason: string;
}

export interface CertificateInfoMessage {
  serialHex: string;
  subject: string;
  dnsNames: string[];
  uris: string[];
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
}

export interface IssuedCertificateMessage {
  info: CertificateInfoMessage | null;
  certificatePem: string;
  chainPem: string;
  caPem: string;
  privateKeyPem: string;
}

export interface TrustBundleMessage {
  pem: string;
  roots: CertificateInfoMessage[];
  version: string;
}

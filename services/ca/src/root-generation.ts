/** A new self-signed root: CA:TRUE (critical), keyCertSign + cRLSign (critical), key identifiers. */
import type { KeyAlgorithm } from './types.js';
import { generateKeyPair, signatureAlgorithmForKey } from './x509/algorithms.js';
import { buildCertificate, nameToAsn1, OID_COMMON_NAME, OID_ORGANIZATION, serialBytes, subjectKeyIdentifier, type NameAttribute } from './x509/certificate-builder.js';
import type { SignerMaterial } from './signer.js';

export interface RootRequest {
  algorithm: KeyAlgorithm;
  trustDomain: string;
  validityMs: number;
  now: Date;
  /** 16 random bytes for the serial. */
  serialRandom: Buffer;
  /** How far notBefore is set back from `now`, for clocks that lag. */
  backdateMs: number;
}

export async function generateRoot(request: RootRequest): Promise<SignerMaterial> {
  const { privateKey, publicKey } = await generateKeyPair(request.algorithm);
  const algorithm = signatureAlgorithmForKey(privateKey);
  if (algorithm === null) throw new Error(`no signature algorithm for a generated ${request.algorithm} key`);
  const subjectPublicKeyInfo = publicKey.export({ type: 'spki', format: 'der' });
  // Each root gets its own name, so that during a rotation the old and new roots are told apart
  // by name as well as by key identifier.
  const subject: NameAttribute[] = [
    { type: OID_ORGANIZATION, value: 'meshgate' },
    { type: OID_COMMON_NAME, value: `meshgate root CA ${request.trustDomain} ${serialBytes(request.serialRandom).toString('hex').slice(0, 8)}` },
  ];
  const certificate = await buildCertificate(
    {
      serial: request.serialRandom,
      subject,
      notBefore: new Date(request.now.getTime() - request.backdateMs),
      notAfter: new Date(request.now.getTime() + request.validityMs),
      subjectPublicKeyInfo,
      profile: { kind: 'root' },
    },
    { name: nameToAsn1(subject), keyIdentifier: subjectKeyIdentifier(subjectPublicKeyInfo), privateKey, algorithm },
  );
  return {
    certificatePem: certificate.pem,
    intermediatesPem: '',
    rootPem: certificate.pem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

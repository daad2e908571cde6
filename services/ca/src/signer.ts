/**
 * A signer: the certificate and key that sign leaves, with the chain up to its root. It is a
 * root the CA generated, or an operator's root or intermediate loaded from PEM files. The
 * material is checked when it is loaded, whatever its source: the key matches the certificate,
 * the certificate may sign certificates, and each certificate of the chain is issued by the next
 * one, ending at a self-signed root.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CaError } from './types.js';
import { describeKey, keyDescriptionText, signatureAlgorithmForKey } from './x509/algorithms.js';
import type { CertificateSigner } from './x509/certificate-builder.js';
import { certificatesFromPem, isSelfSigned, readCertificate, type ReadCertificate } from './x509/certificate-reader.js';

/** What a signer's secret holds (encrypted, in the secret store). */
export interface SignerMaterial {
  /** The certificate that signs leaves. */
  certificatePem: string;
  /** Certificates between it and the root, excluding both (usually empty). */
  intermediatesPem: string;
  /** The root; the same certificate as `certificatePem` when the signer is a root. */
  rootPem: string;
  privateKeyPem: string;
}

export interface Signer {
  certificate: ReadCertificate;
  root: ReadCertificate;
  /** What a leaf carries as `chainPem`: the signer and intermediates when the signer is not the root. */
  chainPem: string;
  signing: CertificateSigner;
  notAfter: Date;
}

export function signerFingerprint(signer: Signer): string {
  return signer.certificate.info.fingerprintSha256;
}

function config(message: string, field?: string): CaError {
  return new CaError('MG_ERR_CA_CONFIG', message, field);
}

function readOne(der: Buffer, what: string): ReadCertificate {
  try {
    return readCertificate(der);
  } catch (error) {
    throw config(`${what} is not a readable X.509 certificate (${error instanceof Error ? error.message : String(error)})`);
  }
}

function readPrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw config(`${what} is not a readable unencrypted private key (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Checks and prepares signer material; `what` names its source in errors. */
export function signerFromMaterial(material: SignerMaterial, what: string, now: Date): Signer {
  const [signerDer, ...extra] = certificatesFromPem(material.certificatePem);
  if (signerDer === undefined || extra.length > 0) throw config(`${what}: expected exactly one signing certificate`);
  const certificate = readOne(signerDer, `${what} certificate`);
  const intermediates = certificatesFromPem(material.intermediatesPem).map((der, i) => readOne(der, `${what} intermediate #${i + 1}`));
  const [rootDer] = certificatesFromPem(material.rootPem);
  if (rootDer === undefined) throw config(`${what}: no root certificate`);
  const root = readOne(rootDer, `${what} root`);

  const privateKey = readPrivateKey(material.privateKeyPem, `${what} key`);
  if (!certificate.x509.checkPrivateKey(privateKey)) throw config(`${what}: the private key does not belong to the certificate`);
  const algorithm = signatureAlgorithmForKey(privateKey);
  if (algorithm === null) throw config(`${what}: a ${keyDescriptionText(describeKey(privateKey))} key cannot sign here; use EC P-256/P-384 or RSA of 2048 bits or more`);
  if (!certificate.x509.ca) throw config(`${what}: the certificate is not a CA certificate (basicConstraints CA:TRUE)`);
  if (Date.parse(certificate.info.notAfter) <= now.getTime()) throw config(`${what}: the certificate expired on ${certificate.info.notAfter}`);

  const isRoot = certificate.info.fingerprintSha256 === root.info.fingerprintSha256;
  const path = isRoot ? [certificate] : [certificate, ...intermediates, root];
  for (let i = 0; i + 1 < path.length; i++) {
    const [child, parent] = [path[i].x509, path[i + 1].x509];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw config(`${what}: "${path[i].info.subject}" is not issued by "${path[i + 1].info.subject}" (order the chain from the signer up to the root)`);
    }
  }
  if (!isSelfSigned(root.x509)) throw config(`${what}: the chain does not end with a self-signed root`);

  return {
    certificate,
    root,
    chainPem: isRoot ? '' : [certificate, ...intermediates].map((c) => c.pem).join(''),
    signing: { name: certificate.subjectName, keyIdentifier: certificate.keyIdentifier, privateKey, algorithm },
    notAfter: new Date(certificate.info.notAfter),
  };
}

/**
 * An operator's PEM files: the signing certificate (a root, or an intermediate followed by the
 * rest of its chain), its key, and optionally the chain up to the root in a file of its own.
 */
export function materialFromOperatorPem(certificateText: string, keyText: string, chainText = ''): SignerMaterial {
  const [signer, ...chain] = [...certificatesFromPem(certificateText), ...certificatesFromPem(chainText)].map((der, i) => readOne(der, `certificate #${i + 1} of MESHGATE_CA_CERT_FILE/MESHGATE_CA_CHAIN_FILE`));
  if (signer === undefined) throw config('MESHGATE_CA_CERT_FILE holds no PEM certificate', 'MESHGATE_CA_CERT_FILE');
  if (isSelfSigned(signer.x509)) {
    return { certificatePem: signer.pem, intermediatesPem: '', rootPem: signer.pem, privateKeyPem: keyText };
  }
  const root = chain.at(-1);
  if (root === undefined || !isSelfSigned(root.x509)) {
    throw config('MESHGATE_CA_CERT_FILE is not self-signed, so MESHGATE_CA_CHAIN_FILE must hold its chain up to and including the root', 'MESHGATE_CA_CHAIN_FILE');
  }
  return {
    certificatePem: signer.pem,
    intermediatesPem: chain.slice(0, -1).map((c) => c.pem).join(''),
    rootPem: root.pem,
    privateKeyPem: keyText,
  };
}

/**
 * Reads certificates: node's X509Certificate for the facts it offers (validity, fingerprint,
 * key, issuer checks), forge's ASN.1 for what it does not (the subject Name as encoded, the
 * subject key identifier, the SANs as lists).
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../types.js';
import { Class, children, parseDer, primitiveBytes, type Asn1 } from './asn1.js';
import { subjectKeyIdentifier } from './certificate-builder.js';
import { decodePemBlocks, sha256Hex, toPem } from './der.js';
import { OID_SUBJECT_ALT_NAME, OID_SUBJECT_KEY_IDENTIFIER, readExtensions, readSubjectAltNames } from './general-names.js';

export interface ReadCertificate {
  der: Buffer;
  pem: string;
  x509: X509Certificate;
  info: CertificateInfo;
  /** The subject Name as encoded in the certificate: a leaf's issuer must match it byte for byte. */
  subjectName: Asn1;
  keyIdentifier: Buffer;
}

/** Every certificate in a PEM text, in order (other blocks are ignored). */
export function certificatesFromPem(text: string): Buffer[] {
  return decodePemBlocks(text)
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => block.der);
}

/** Parses one DER certificate; throws on anything that is not one. */
export function readCertificate(der: Buffer): ReadCertificate {
  const x509 = new X509Certificate(der);
  const [tbs] = children(parseDer(der), 'Certificate');
  const fields = children(tbs, 'TBSCertificate');
  // The version is an optional [0]: everything after it shifts by one when it is present.
  const offset = fields[0]?.tagClass === Class.CONTEXT_SPECIFIC && Number(fields[0].type) === 0 ? 1 : 0;
  const subjectName = fields[offset + 4];
  const subjectPublicKeyInfo = fields[offset + 5];
  if (subjectName === undefined || subjectPublicKeyInfo === undefined) throw new Error('the TBSCertificate is incomplete');
  const extensionsWrapper = fields.find((f) => f.tagClass === Class.CONTEXT_SPECIFIC && Number(f.type) === 3);
  const extensions = extensionsWrapper ? readExtensions(children(extensionsWrapper, 'extensions')[0]) : [];

  const skiExtension = extensions.find((e) => e.oid === OID_SUBJECT_KEY_IDENTIFIER);
  const keyIdentifier = skiExtension
    ? primitiveBytes(parseDer(skiExtension.value), 'subjectKeyIdentifier')
    : subjectKeyIdentifier(x509.publicKey.export({ type: 'spki', format: 'der' }));
  const sanExtension = extensions.find((e) => e.oid === OID_SUBJECT_ALT_NAME);
  const sans = sanExtension ? readSubjectAltNames(sanExtension.value) : { dnsNames: [], uris: [] };

  return {
    der,
    pem: toPem(der, 'CERTIFICATE'),
    x509,
    subjectName,
    keyIdentifier,
    info: {
      serialHex: x509.serialNumber.toLowerCase(),
      subject: x509.subject.split('\n').join(', '),
      dnsNames: sans.dnsNames,
      uris: sans.uris,
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
      fingerprintSha256: sha256Hex(der),
    },
  };
}

/** True for a self-signed certificate (a root): it names and verifies itself. */
export function isSelfSigned(certificate: X509Certificate): boolean {
  return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
}

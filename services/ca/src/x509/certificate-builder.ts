/**
 * Builds X.509 v3 certificates: node-forge encodes the TBSCertificate (names, extensions, ASN.1),
 * node:crypto signs its DER, and the three parts are assembled into the Certificate.
 *
 * Why not `forge.pki.createCertificate().sign()`: forge signs in JavaScript and knows RSA keys
 * only. Here the public key goes in as the SubjectPublicKeyInfo DER that node:crypto exports
 * (RSA or EC alike), and the signature AlgorithmIdentifier comes from `algorithms.ts`.
 */
import { createHash, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { algorithmIdentifier, signAsync, type SignatureAlgorithm } from './algorithms.js';
import { Class, Type, asn1, bitString, children, encodeDer, extensionsToAsn1, integerFromBytes, octetString, oid, parseDer, readBitString, sequence, time, type Asn1 } from './asn1.js';
import { sha256Hex, toBinary, toPem } from './der.js';

/** Who signs: for a self-signed root, its own name, key identifier and key. */
export interface CertificateSigner {
  /** The issuer Name, exactly as the signer's certificate carries it as subject. */
  name: Asn1;
  /** The signer's subject key identifier (becomes the authority key identifier). */
  keyIdentifier: Buffer;
  privateKey: KeyObject;
  algorithm: SignatureAlgorithm;
}

export interface NameAttribute {
  /** OID, e.g. `2.5.4.3` for commonName. */
  type: string;
  value: string;
}

export const OID_COMMON_NAME = '2.5.4.3';
export const OID_ORGANIZATION = '2.5.4.10';

export type CertificateProfile =
  | { kind: 'root' }
  | { kind: 'leaf'; dnsNames: string[]; uris: string[] };

export interface CertificateTemplate {
  /** 16 random bytes; the builder keeps the INTEGER positive. */
  serial: Buffer;
  subject: NameAttribute[];
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo, DER (`keyObject.export({ type: 'spki', format: 'der' })`). */
  subjectPublicKeyInfo: Buffer;
  profile: CertificateProfile;
}

export interface BuiltCertificate {
  der: Buffer;
  pem: string;
  /** Lower-case hex, no colons. */
  serialHex: string;
  fingerprintSha256: string;
}

/** RFC 5280 §4.2.1.2 (1): the SHA-1 of the subjectPublicKey BIT STRING's bytes. */
export function subjectKeyIdentifier(subjectPublicKeyInfo: Buffer): Buffer {
  const [, subjectPublicKey] = children(parseDer(subjectPublicKeyInfo), 'SubjectPublicKeyInfo');
  return createHash('sha1').update(readBitString(subjectPublicKey, 'subjectPublicKey')).digest();
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue, one attribute per RDN, values as UTF8String. */
export function nameToAsn1(attributes: NameAttribute[]): Asn1 {
  return sequence(
    attributes.map((a) =>
      asn1.create(Class.UNIVERSAL, Type.SET, true, [sequence([oid(a.type), asn1.create(Class.UNIVERSAL, Type.UTF8, false, forge.util.encodeUtf8(a.value))])]),
    ),
  );
}

/** A random 128-bit serial: the top bit set so it is always 128 bits long, a leading 0x00 keeps it positive in DER. */
export function serialBytes(random: Buffer): Buffer {
  if (random.length !== 16) throw new RangeError('a serial takes 16 random bytes');
  const serial = Buffer.from(random);
  serial[0] |= 0x80;
  return serial;
}

function extensionsFor(template: CertificateTemplate, subjectKeyId: Buffer, authorityKeyId: Buffer): unknown[] {
  const keyIdentifiers = [
    { name: 'subjectKeyIdentifier', value: octetString(subjectKeyId) },
    { name: 'authorityKeyIdentifier', keyIdentifier: toBinary(authorityKeyId) },
  ];
  if (template.profile.kind === 'root') {
    return [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ...keyIdentifiers,
    ];
  }
  const altNames = [...template.profile.dnsNames.map((value) => ({ type: 2, value })), ...template.profile.uris.map((value) => ({ type: 6, value }))];
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    // RFC 5280 §4.2.1.6: with an empty subject, the SAN extension is critical.
    { name: 'subjectAltName', altNames, critical: template.subject.length === 0 },
    ...keyIdentifiers,
  ];
}

/** The TBSCertificate, as ASN.1 (RFC 5280 §4.1). */
export function tbsCertificate(template: CertificateTemplate, signer: Pick<CertificateSigner, 'name' | 'keyIdentifier' | 'algorithm'>): Asn1 {
  // forge fills in the extension values (bit strings, OIDs, GeneralNames) from these descriptions.
  const forgeCertificate = forge.pki.createCertificate();
  forgeCertificate.setExtensions(extensionsFor(template, subjectKeyIdentifier(template.subjectPublicKeyInfo), signer.keyIdentifier));
  return sequence([
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(Class.UNIVERSAL, Type.INTEGER, false, '\u0002')]), // v3
    integerFromBytes(Buffer.concat([Buffer.of(0), serialBytes(template.serial)])),
    algorithmIdentifier(signer.algorithm),
    signer.name,
    sequence([time(template.notBefore), time(template.notAfter)]),
    nameToAsn1(template.subject),
    parseDer(template.subjectPublicKeyInfo),
    extensionsToAsn1(forgeCertificate.extensions),
  ]);
}

export async function buildCertificate(template: CertificateTemplate, signer: CertificateSigner): Promise<BuiltCertificate> {
  const tbsDer = encodeDer(tbsCertificate(template, signer));
  const signature = await signAsync(signer.algorithm.hash, tbsDer, signer.privateKey);
  const trailer = signatureTrailer(signer.algorithm, signature);
  const der = Buffer.concat([derLengthHeader(0x30, tbsDer.length + trailer.length), tbsDer, trailer]);
  return { der, pem: toPem(der, 'CERTIFICATE'), serialHex: serialBytes(template.serial).toString('hex'), fingerprintSha256: sha256Hex(der) };
}

/*
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. The TBS bytes
 * are the ones that were signed, so they are copied as they are, not re-encoded: only the outer
 * SEQUENCE header and the two trailing elements are built.
 */
function signatureTrailer(algorithm: SignatureAlgorithm, signature: Buffer): Buffer {
  return Buffer.concat([encodeDer(algorithmIdentifier(algorithm)), encodeDer(bitString(signature))]);
}

function derLengthHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.of(tag, length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.of(tag, 0x80 | bytes.length, ...bytes);
}

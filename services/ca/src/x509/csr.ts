/**
 * PKCS#10 certificate signing requests (RFC 2986): parsed with forge's ASN.1, the signature
 * checked with node:crypto over the CertificationRequestInfo bytes exactly as received.
 *
 * forge's own `certificationRequestFromPem` / `csr.verify()` read RSA keys only; one native path
 * serves RSA and EC CSRs alike (and verifies faster). The key is read by `public-key.ts`.
 */
import type { KeyObject } from 'node:crypto';
import { CaError } from '../types.js';
import { isAcceptedLeafKey, keyDescriptionText, SIGNATURE_ALGORITHMS, verifyAsync } from './algorithms.js';
import { Asn1ShapeError, Class, Type, children, encodeDer, expectUniversal, parseDer, readBitString, readOid, type Asn1 } from './asn1.js';
import { decodePemBlocks, firstElementOfSequence } from './der.js';
import { OID_SUBJECT_ALT_NAME, readExtensions, readSubjectAltNames, type SubjectAltNames } from './general-names.js';
import { readSubjectPublicKeyInfo, type ReadPublicKey } from './public-key.js';

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

export interface ParsedCsr {
  /** SubjectPublicKeyInfo, DER: goes into the certificate as it is. */
  subjectPublicKeyInfo: Buffer;
  publicKey: KeyObject;
  sans: SubjectAltNames;
}

function invalid(message: string): CaError {
  return new CaError('MG_ERR_CA_INVALID_CSR', message, 'csr');
}

/**
 * Parses and verifies a CSR. Errors: `MG_ERR_CA_INVALID_CSR` (not a CSR, bad signature, no SANs)
 * and `MG_ERR_CA_BAD_ALGORITHM` (a key or signature algorithm the CA does not sign for), both
 * naming the field `csr`.
 */
export async function parseAndVerifyCsr(pem: string): Promise<ParsedCsr> {
  const block = decodePemBlocks(pem).find((b) => CSR_LABELS.has(b.label));
  if (block === undefined) throw invalid('csr is not a PEM "CERTIFICATE REQUEST"');
  const der = block.der;

  let root: Asn1;
  try {
    root = parseDer(der);
  } catch (error) {
    throw invalid(`csr is not valid DER: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const [info, algorithm, signatureValue] = children(expectUniversal(root, Type.SEQUENCE, 'CertificationRequest'), 'CertificationRequest');
    const [version, , subjectPublicKeyInfo, attributes] = children(expectUniversal(info, Type.SEQUENCE, 'certificationRequestInfo'), 'certificationRequestInfo');
    expectUniversal(version, Type.INTEGER, 'version');
    const spkiDer = encodeDer(expectUniversal(subjectPublicKeyInfo, Type.SEQUENCE, 'subjectPKInfo'));
    const signatureAlgorithmOid = readOid(children(expectUniversal(algorithm, Type.SEQUENCE, 'signatureAlgorithm'), 'signatureAlgorithm')[0], 'signatureAlgorithm');
    const signature = readBitString(signatureValue, 'signature');

    const { key: publicKey, description: key } = readPublicKey(subjectPublicKeyInfo, spkiDer);
    if (!isAcceptedLeafKey(key)) {
      throw new CaError('MG_ERR_CA_BAD_ALGORITHM', `csr key ${keyDescriptionText(key)} is not accepted: use EC P-256/P-384 or RSA of 2048 bits or more`, 'csr');
    }
    const signatureAlgorithm = SIGNATURE_ALGORITHMS.get(signatureAlgorithmOid);
    if (signatureAlgorithm === undefined || signatureAlgorithm.keyType !== publicKey.asymmetricKeyType) {
      throw new CaError('MG_ERR_CA_BAD_ALGORITHM', `csr signature algorithm ${signatureAlgorithmOid} is not accepted for a ${keyDescriptionText(key)} key`, 'csr');
    }
    // The signature covers certificationRequestInfo as sent, so verify those bytes, not a re-encoding.
    if (!(await verifyAsync(signatureAlgorithm.hash, firstElementOfSequence(der), publicKey, signature))) {
      throw invalid('csr signature does not verify with its public key');
    }
    const sans = requestedSans(attributes);
    if (sans.dnsNames.length + sans.uris.length + sans.others.length === 0) throw invalid('csr requests no subjectAltName');
    return { subjectPublicKeyInfo: spkiDer, publicKey, sans };
  } catch (error) {
    if (error instanceof CaError) throw error;
    throw invalid(`csr is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readPublicKey(spki: Asn1, spkiDer: Buffer): ReadPublicKey {
  try {
    return readSubjectPublicKeyInfo(spki, spkiDer);
  } catch (error) {
    if (error instanceof Asn1ShapeError) throw error;
    throw new Asn1ShapeError(`its public key cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The subjectAltName of the extensionRequest attribute; empty when there is none. */
function requestedSans(attributes: Asn1 | undefined): SubjectAltNames {
  const none: SubjectAltNames = { dnsNames: [], uris: [], others: [] };
  if (attributes === undefined) return none;
  if (attributes.tagClass !== Class.CONTEXT_SPECIFIC || Number(attributes.type) !== 0) throw new Asn1ShapeError('attributes are not [0]');
  for (const attribute of children(attributes, 'attributes')) {
    const [type, values] = children(attribute, 'Attribute');
    if (readOid(type, 'attribute type') !== OID_EXTENSION_REQUEST) continue;
    const [extensions] = children(expectUniversal(values, Type.SET, 'extensionRequest values'), 'extensionRequest values');
    if (extensions === undefined) return none;
    const san = readExtensions(extensions).find((e) => e.oid === OID_SUBJECT_ALT_NAME);
    if (san !== undefined) return readSubjectAltNames(san.value);
  }
  return none;
}

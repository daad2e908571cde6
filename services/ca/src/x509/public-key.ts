/**
 * A CSR's SubjectPublicKeyInfo as a node:crypto KeyObject.
 *
 * Why not just `createPublicKey({ format: 'der', type: 'spki' })`: through OpenSSL 3's decoder
 * that costs ~0.1 ms per key, the largest single cost of signing a CSR. Importing the same key as
 * a JWK is several times cheaper (twenty times for RSA), and OpenSSL still checks it (an EC point
 * must lie on its curve). So for the keys the CA signs — EC P-256/P-384 with an uncompressed
 * point, RSA — the SPKI is read with forge's ASN.1 and imported as a JWK; any other key goes
 * through the DER decoder, and the policy in `algorithms.ts` then decides.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { describeKey, type KeyDescription } from './algorithms.js';
import { Type, children, expectUniversal, parseDer, primitiveBytes, readBitString, readOid, type Asn1 } from './asn1.js';

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const CURVES: Record<string, { jwk: string; openssl: string; coordinateBytes: number }> = {
  '1.2.840.10045.3.1.7': { jwk: 'P-256', openssl: 'prime256v1', coordinateBytes: 32 },
  '1.3.132.0.34': { jwk: 'P-384', openssl: 'secp384r1', coordinateBytes: 48 },
};

export interface ReadPublicKey {
  key: KeyObject;
  description: KeyDescription;
}

/** `spki` is the parsed SubjectPublicKeyInfo, `spkiDer` its encoding (for the fallback). */
export function readSubjectPublicKeyInfo(spki: Asn1, spkiDer: Buffer): ReadPublicKey {
  const [algorithm, subjectPublicKey] = children(spki, 'subjectPKInfo');
  const [algorithmOid, parameters] = children(expectUniversal(algorithm, Type.SEQUENCE, 'subjectPKInfo algorithm'), 'subjectPKInfo algorithm');
  const keyOid = readOid(algorithmOid, 'subjectPKInfo algorithm');
  const bits = readBitString(subjectPublicKey, 'subjectPublicKey');

  if (keyOid === OID_EC_PUBLIC_KEY && parameters?.type === Type.OID) {
    const curve = CURVES[readOid(parameters, 'namedCurve')];
    if (curve && bits.length === 1 + 2 * curve.coordinateBytes && bits[0] === 0x04) {
      const x = bits.subarray(1, 1 + curve.coordinateBytes).toString('base64url');
      const y = bits.subarray(1 + curve.coordinateBytes).toString('base64url');
      return { key: importJwk({ kty: 'EC', crv: curve.jwk, x, y }), description: { type: 'ec', curve: curve.openssl } };
    }
  }
  if (keyOid === OID_RSA_ENCRYPTION) {
    const [modulus, exponent] = children(parseDer(bits), 'RSAPublicKey');
    const n = unsigned(primitiveBytes(expectUniversal(modulus, Type.INTEGER, 'modulus'), 'modulus'));
    const e = unsigned(primitiveBytes(expectUniversal(exponent, Type.INTEGER, 'publicExponent'), 'publicExponent'));
    if (n.length > 0 && e.length > 0) {
      return { key: importJwk({ kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }), description: { type: 'rsa', bits: bitLength(n) } };
    }
  }
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  return { key, description: describeKey(key) };
}

function importJwk(jwk: JsonWebKey): KeyObject {
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** A DER INTEGER's content without the sign octet(s). */
function unsigned(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function bitLength(magnitude: Buffer): number {
  return magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]));
}

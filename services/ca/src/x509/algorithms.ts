/**
 * Key and signature algorithms, with node:crypto doing the work: key generation and signing are
 * native (and asynchronous, on libuv's thread pool), which is what makes thousands of
 * signings per second possible where node-forge's JavaScript RSA manages tens.
 *
 * node-forge 1.x knows RSA only, so the ECDSA pieces of X.509 are spelled out here: the
 * signature AlgorithmIdentifiers (RFC 5758 §3.2: ecdsa-with-SHA256/384 take NO parameters,
 * where RSA's take an explicit NULL, RFC 4055 §5). SubjectPublicKeyInfo never needs building:
 * node:crypto exports it as DER for either key type.
 */
import { generateKeyPair as generateKeyPairCallback, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../types.js';
import { nullValue, oid, sequence, type Asn1 } from './asn1.js';

export type HashName = 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithm {
  oid: string;
  hash: HashName;
  keyType: 'rsa' | 'ec';
}

const ACCEPTED_SIGNATURE_ALGORITHMS: SignatureAlgorithm[] = [
  { oid: '1.2.840.113549.1.1.11', hash: 'sha256', keyType: 'rsa' }, // sha256WithRSAEncryption
  { oid: '1.2.840.113549.1.1.12', hash: 'sha384', keyType: 'rsa' },
  { oid: '1.2.840.113549.1.1.13', hash: 'sha512', keyType: 'rsa' },
  { oid: '1.2.840.10045.4.3.2', hash: 'sha256', keyType: 'ec' }, // ecdsa-with-SHA256
  { oid: '1.2.840.10045.4.3.3', hash: 'sha384', keyType: 'ec' },
  { oid: '1.2.840.10045.4.3.4', hash: 'sha512', keyType: 'ec' },
];

/** The signature algorithms the CA accepts on a CSR, by OID. SHA-1 and RSA-PSS are not among them. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureAlgorithm> = new Map(ACCEPTED_SIGNATURE_ALGORITHMS.map((a) => [a.oid, a]));

/** `AlgorithmIdentifier` for a signature: NULL parameters for RSA, none for ECDSA. */
export function algorithmIdentifier(algorithm: SignatureAlgorithm): Asn1 {
  return sequence(algorithm.keyType === 'rsa' ? [oid(algorithm.oid), nullValue()] : [oid(algorithm.oid)]);
}

/** What a key is, as the CA's policies speak of it: `rsa-2048`, `ec-prime256v1`. */
export type KeyDescription = { type: 'rsa'; bits: number } | { type: 'ec'; curve: string } | { type: 'other'; name: string };

export function describeKey(key: KeyObject): KeyDescription {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && details.modulusLength !== undefined) return { type: 'rsa', bits: details.modulusLength };
  if (key.asymmetricKeyType === 'ec' && details.namedCurve !== undefined) return { type: 'ec', curve: details.namedCurve };
  return { type: 'other', name: key.asymmetricKeyType ?? 'unknown' };
}

export function keyDescriptionText(description: KeyDescription): string {
  if (description.type === 'rsa') return `RSA-${description.bits}`;
  if (description.type === 'ec') return `EC ${description.curve}`;
  return description.name;
}

/** Keys the CA signs for (leaf keys in CSRs): RSA of 2048 bits or more, EC P-256 or P-384. */
export function isAcceptedLeafKey(description: KeyDescription): boolean {
  if (description.type === 'rsa') return description.bits >= 2048 && description.bits <= 8192;
  return description.type === 'ec' && (description.curve === 'prime256v1' || description.curve === 'secp384r1');
}

/**
 * The algorithm a CA key signs certificates with: SHA-256 for RSA and P-256, SHA-384 for P-384
 * (the hash matches the curve's strength). null for keys the CA cannot sign with.
 */
export function signatureAlgorithmForKey(key: KeyObject): SignatureAlgorithm | null {
  const description = describeKey(key);
  if (description.type === 'rsa' && description.bits >= 2048) return { oid: '1.2.840.113549.1.1.11', hash: 'sha256', keyType: 'rsa' };
  if (description.type === 'ec' && description.curve === 'prime256v1') return { oid: '1.2.840.10045.4.3.2', hash: 'sha256', keyType: 'ec' };
  if (description.type === 'ec' && description.curve === 'secp384r1') return { oid: '1.2.840.10045.4.3.3', hash: 'sha384', keyType: 'ec' };
  return null;
}

export interface GeneratedKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh key pair, generated off the event loop (RSA-4096 takes seconds). */
export function generateKeyPair(algorithm: KeyAlgorithm): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (error ? reject(error) : resolve({ publicKey, privateKey }));
    switch (algorithm) {
      case 'ECDSA_P256':
        return generateKeyPairCallback('ec', { namedCurve: 'P-256' }, done);
      case 'RSA_2048':
        return generateKeyPairCallback('rsa', { modulusLength: 2048 }, done);
      case 'RSA_4096':
        return generateKeyPairCallback('rsa', { modulusLength: 4096 }, done);
    }
  });
}

/** Signs on the thread pool. ECDSA signatures come DER-encoded, as X.509 carries them. */
export function signAsync(hash: HashName, data: Uint8Array, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign(hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

export function verifyAsync(hash: HashName, data: Uint8Array, key: KeyObject, signature: Uint8Array): Promise<boolean> {
  return new Promise((resolve, reject) => verify(hash, data, key, signature, (error, ok) => (error ? reject(error) : resolve(ok))));
}

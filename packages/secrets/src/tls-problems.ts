/**
 * What is wrong with a Secret's payload as a TLS credential, found at apply with node:crypto
 * (X509Certificate, createPrivateKey). A malformed credential is still stored, as Kubernetes
 * stores it; the problems are recorded on the object, and whatever uses it (the compiler, the
 * analysis, SDS) can say why it is not served. Messages name keys, never their values.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { SecretPayload } from './payloads.js';

/** The certificate/key pairs Istio reads, in its order: `tls.crt`/`tls.key`, then `cert`/`key`. */
export const CERTIFICATE_KEY_PAIRS: readonly { certificate: string; privateKey: string }[] = [
  { certificate: 'tls.crt', privateKey: 'tls.key' },
  { certificate: 'cert', privateKey: 'key' },
];
/** The keys holding a CA bundle for MUTUAL: `ca.crt`, then `cacert`. */
export const CA_KEYS: readonly string[] = ['ca.crt', 'cacert'];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, or a problem. */
export function parseCertificates(pem: Buffer, key: string): { certificates: X509Certificate[] } | { problem: string } {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { problem: `${key}: no PEM certificate (-----BEGIN CERTIFICATE-----) found` };
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      return { problem: `${key}: certificate ${index + 1} of ${blocks.length} does not parse as X.509` };
    }
  }
  return { certificates };
}

function parsePrivateKey(pem: Buffer, key: string): { privateKey: KeyObject } | { problem: string } {
  try {
    return { privateKey: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch {
    return { problem: `${key}: not a PEM private key (or one protected by a passphrase)` };
  }
}

function validityProblems(certificate: X509Certificate, key: string, now: Date): string[] {
  const problems: string[] = [];
  if (Date.parse(certificate.validTo) < now.getTime()) problems.push(`${key}: the certificate expired on ${new Date(certificate.validTo).toISOString()}`);
  if (Date.parse(certificate.validFrom) > now.getTime()) problems.push(`${key}: the certificate is not valid before ${new Date(certificate.validFrom).toISOString()}`);
  return problems;
}

/** The problems of the payload's TLS keys; [] when fine or when it holds none. */
export function tlsProblems(payload: SecretPayload, now: Date = new Date()): string[] {
  const problems: string[] = [];
  for (const pair of CERTIFICATE_KEY_PAIRS) {
    const certificatePem = payload.get(pair.certificate);
    const keyPem = payload.get(pair.privateKey);
    if (certificatePem === undefined && keyPem === undefined) continue;
    if (certificatePem === undefined) {
      problems.push(`${pair.privateKey} without ${pair.certificate}`);
      continue;
    }
    if (keyPem === undefined) {
      problems.push(`${pair.certificate} without ${pair.privateKey}`);
      continue;
    }
    const chain = parseCertificates(certificatePem, pair.certificate);
    const privateKey = parsePrivateKey(keyPem, pair.privateKey);
    if ('problem' in chain) problems.push(chain.problem);
    if ('problem' in privateKey) problems.push(privateKey.problem);
    if ('problem' in chain || 'problem' in privateKey) continue;
    const [leaf] = chain.certificates;
    if (!leaf.checkPrivateKey(privateKey.privateKey)) problems.push(`${pair.privateKey} does not match the certificate in ${pair.certificate}`);
    problems.push(...validityProblems(leaf, pair.certificate, now));
  }
  for (const key of CA_KEYS) {
    const pem = payload.get(key);
    if (pem === undefined) continue;
    const bundle = parseCertificates(pem, key);
    if ('problem' in bundle) problems.push(bundle.problem);
    else for (const certificate of bundle.certificates) problems.push(...validityProblems(certificate, key, now));
  }
  return problems;
}

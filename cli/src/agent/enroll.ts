/**
 * The agent's first certificate: a key generated here (it never leaves the machine), a CSR for
 * the workload's identity, and the one-time join token, exchanged at
 * `POST /v1/ca/workload-certificates`. Skipped when the certificate files already hold a
 * certificate of that identity that is still valid.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createCsr, generateKeyPair } from '@meshgate/ca';
import { certificateFilePaths, type CertificateMaterial } from '@meshgate/xds';
import { spiffeIdOf, type AgentConfig } from './config.js';

export class EnrollmentError extends Error {}

/** The certificate in the agent's directory, when it is this identity's and valid for at least `marginMs` more. */
export async function usableCertificate(config: AgentConfig, now = Date.now(), marginMs = 60_000): Promise<X509Certificate | undefined> {
  const files = certificateFilePaths(config.certificateDir);
  let pem: string;
  try {
    pem = await readFile(files.certificateFile, 'utf8');
    await readFile(files.privateKeyFile, 'utf8');
    await readFile(files.caCertificateFile, 'utf8');
  } catch {
    return undefined;
  }
  const certificate = new X509Certificate(pem);
  const ownId = spiffeIdOf(config);
  const names = (certificate.subjectAltName ?? '').split(', ');
  if (!names.includes(`URI:${ownId}`)) return undefined;
  if (Date.parse(certificate.validTo) - marginMs <= now) return undefined;
  return certificate;
}

/** Exchanges the join token and a fresh key's CSR for the workload's certificate. */
export async function enroll(config: AgentConfig, joinToken: string): Promise<CertificateMaterial> {
  const { privateKey, publicKey } = await generateKeyPair('ECDSA_P256');
  const csr = await createCsr({ privateKey, publicKey, uris: [spiffeIdOf(config)], dnsNames: [`${config.serviceAccount}.${config.namespace}.${config.trustDomain}`] });
  const url = new URL('/v1/ca/workload-certificates', config.caUrl);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${joinToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ csr }) });
  } catch (error) {
    throw new EnrollmentError(`cannot reach meshgate at ${url.origin} for the first certificate: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (!response.ok) {
    throw new EnrollmentError(`meshgate refused the join token (${response.status}): ${typeof record.message === 'string' ? record.message : 'no message'}`);
  }
  const { certificatePem, chainPem, caPem } = record;
  if (typeof certificatePem !== 'string' || typeof chainPem !== 'string' || typeof caPem !== 'string') throw new EnrollmentError('unexpected answer: no certificatePem, chainPem or caPem');
  return {
    certificateChain: [certificatePem, chainPem].map((pem) => pem.trim()).filter((pem) => pem !== '').map((pem) => `${pem}\n`).join(''),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    trustBundle: caPem,
  };
}

/**
 * The SDS secrets meshgate serves, named as Istio names them so that an Envoy bootstrap written
 * for istiod works unchanged:
 * - `default`: the requesting proxy's own workload certificate and key (`tls_certificate`);
 * - `ROOTCA`: the trust bundle, every root currently trusted (`validation_context`).
 *
 * The encoded resource carries the private key (Envoy needs it); the object form, which is what
 * `GET /v1/proxies/:id/config` shows, never does.
 */
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import type { Identity } from '@meshgate/ca';
import { encodeXdsResource, type EncodedResource } from './resource-cache.js';

export const SDS_CERTIFICATE_SECRET = 'default';
export const SDS_TRUST_BUNDLE_SECRET = 'ROOTCA';
/** The secret names served from the CA; any other name (e.g. `kubernetes://…`) is not found here. */
export const IDENTITY_SECRET_NAMES: ReadonlySet<string> = new Set([SDS_CERTIFICATE_SECRET, SDS_TRUST_BUNDLE_SECRET]);

export const REDACTED = '[redacted]';

/** The mesh identity a proxy claims in its node metadata (SERVICE_ACCOUNT, NAMESPACE). */
export function identityOf(node: ProxyNode): Identity {
  return { serviceAccount: node.serviceAccount, namespace: node.namespace };
}

/**
 * A key for maps of identities. JSON rather than `sa.ns` because node metadata is free text: a
 * dotted service account must not collide with a dotted namespace.
 */
export function identityKey(identity: Identity): string {
  return JSON.stringify([identity.namespace, identity.serviceAccount]);
}

/** `<serviceAccount>.<namespace>`, the spelling used in logs and docs. */
export function identityName(identity: Identity): string {
  return `${identity.serviceAccount}.${identity.namespace}`;
}

/** The leaf followed by its intermediates, one PEM block per line group. */
export function certificateChainPem(certificatePem: string, chainPem: string): string {
  return [certificatePem, chainPem]
    .map((pem) => pem.trim())
    .filter((pem) => pem !== '')
    .map((pem) => `${pem}\n`)
    .join('');
}

export function certificateSecret(chainPem: string, privateKeyPem: string): EncodedResource {
  const resource = {
    name: SDS_CERTIFICATE_SECRET,
    tls_certificate: { certificate_chain: { inline_string: chainPem }, private_key: { inline_string: privateKeyPem } },
  };
  return encodeXdsResource(TYPE_URL.secret, SDS_CERTIFICATE_SECRET, resource, redactSecret(resource));
}

export function trustBundleSecret(bundlePem: string): EncodedResource {
  const resource = { name: SDS_TRUST_BUNDLE_SECRET, validation_context: { trusted_ca: { inline_string: bundlePem } } };
  return encodeXdsResource(TYPE_URL.secret, SDS_TRUST_BUNDLE_SECRET, resource);
}

/** A gateway credential's certificate chain and key (`kubernetes://NAME`), from an applied Secret. */
export function credentialCertificateSecret(sdsName: string, chainPem: string, privateKeyPem: string): EncodedResource {
  const resource = { name: sdsName, tls_certificate: { certificate_chain: { inline_string: chainPem }, private_key: { inline_string: privateKeyPem } } };
  return encodeXdsResource(TYPE_URL.secret, sdsName, resource, redactSecret(resource));
}

/** A gateway credential's CA for verifying clients (`kubernetes://NAME-cacert`), from an applied Secret. */
export function credentialValidationSecret(sdsName: string, caPem: string): EncodedResource {
  const resource = { name: sdsName, validation_context: { trusted_ca: { inline_string: caPem } } };
  return encodeXdsResource(TYPE_URL.secret, sdsName, resource);
}

/**
 * A copy of a Secret resource object with every private key replaced by `"[redacted]"`
 * (`tls_certificate` and the `tls_certificates` list alike), for anything shown to people.
 */
export function redactSecret(secret: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...secret };
  if (isRecord(out.tls_certificate)) out.tls_certificate = redactCertificate(out.tls_certificate);
  if (Array.isArray(out.tls_certificates)) out.tls_certificates = out.tls_certificates.map((c) => (isRecord(c) ? redactCertificate(c) : c));
  return out;
}

function redactCertificate(certificate: Record<string, unknown>): Record<string, unknown> {
  return 'private_key' in certificate ? { ...certificate, private_key: REDACTED } : certificate;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

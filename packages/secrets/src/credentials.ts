/**
 * Which Secret, and which of its keys, back a gateway credential — Istio's rules, for the
 * compiler (which SDS names a server may reference) and for xds (what to serve under a name).
 *
 * A `credentialName` NAME resolves in the GATEWAY WORKLOAD's namespace, to two SDS resources:
 * - `kubernetes://NAME`: the certificate chain and private key, from Secret NAME's
 *   `tls.crt`/`tls.key` (the `kubernetes.io/tls` layout) or else its `cert`/`key` (generic);
 * - `kubernetes://NAME-cacert` (MUTUAL only): the CA that verifies clients, from Secret NAME's
 *   `ca.crt` or `cacert`, or else from a separate Secret `NAME-cacert` holding `ca.crt` or
 *   `cacert` (the third layout).
 * Istio also accepts the bare NAME as the SDS name; it is served the same.
 */
import { stateKey, type SecretObject } from '@meshgate/model';
import { CA_KEYS, CERTIFICATE_KEY_PAIRS } from './tls-problems.js';

export const CREDENTIAL_SDS_PREFIX = 'kubernetes://';
export const CA_CERT_SUFFIX = '-cacert';

export interface SecretLocation {
  namespace: string;
  name: string;
}

/** `kubernetes://NAME`: a certificate and key. */
export interface CertificateSource {
  kind: 'certificate';
  sdsName: string;
  secret: SecretLocation;
  certificateKey: string;
  privateKeyKey: string;
}

/** `kubernetes://NAME-cacert`: a CA bundle. */
export interface ValidationSource {
  kind: 'validation';
  sdsName: string;
  secret: SecretLocation;
  caKey: string;
}

export type CredentialSource = CertificateSource | ValidationSource;

export interface GatewayCredential {
  /** Absent when it cannot be served (see `problems`). */
  certificate?: CertificateSource;
  /** MUTUAL only; absent when it cannot be served. */
  validation?: ValidationSource;
  /** Why the credential cannot be served as asked; [] when it can. */
  problems: string[];
}

/** The Secrets of a state (`state.byKind.Secret`, keyed `namespace/name`). */
export type SecretsByKey = ReadonlyMap<string, SecretObject>;

export function credentialSdsName(credentialName: string): string {
  return `${CREDENTIAL_SDS_PREFIX}${credentialName}`;
}

export function caCertificateSdsName(credentialName: string): string {
  return `${CREDENTIAL_SDS_PREFIX}${credentialName}${CA_CERT_SUFFIX}`;
}

function describe(location: SecretLocation): string {
  return `Secret ${location.namespace}/${location.name}`;
}

function certificateFrom(secrets: SecretsByKey, location: SecretLocation, sdsName: string): CertificateSource | string {
  const secret = secrets.get(stateKey(location.namespace, location.name));
  if (secret === undefined) return `${describe(location)} not found (a gateway's credential is read in the gateway workload's namespace)`;
  const pair = CERTIFICATE_KEY_PAIRS.find((p) => p.certificate in secret.data && p.privateKey in secret.data);
  if (pair === undefined) return `${describe(location)} holds neither tls.crt and tls.key nor cert and key`;
  const problems = secret.problems.filter((problem) => problem.startsWith(`${pair.certificate}`) || problem.startsWith(`${pair.privateKey}`));
  if (problems.length > 0) return `${describe(location)}: ${problems.join('; ')}`;
  return { kind: 'certificate', sdsName, secret: location, certificateKey: pair.certificate, privateKeyKey: pair.privateKey };
}

function validationFrom(secrets: SecretsByKey, location: SecretLocation, sdsName: string): ValidationSource | string {
  const tried: string[] = [];
  for (const candidate of [location, { namespace: location.namespace, name: `${location.name}${CA_CERT_SUFFIX}` }]) {
    const secret = secrets.get(stateKey(candidate.namespace, candidate.name));
    if (secret === undefined) {
      tried.push(`${describe(candidate)} not found`);
      continue;
    }
    const caKey = CA_KEYS.find((key) => key in secret.data);
    if (caKey === undefined) {
      tried.push(`${describe(candidate)} has no ca.crt or cacert`);
      continue;
    }
    const problems = secret.problems.filter((problem) => problem.startsWith(caKey));
    if (problems.length > 0) return `${describe(candidate)}: ${problems.join('; ')}`;
    return { kind: 'validation', sdsName, secret: candidate, caKey };
  }
  return `no CA certificate for MUTUAL: ${tried.join('; ')}`;
}

/**
 * The credential `credentialName` names for a gateway workload in `namespace`; with `mutual`,
 * also the CA that verifies clients.
 */
export function resolveGatewayCredential(secrets: SecretsByKey, namespace: string, credentialName: string, options: { mutual: boolean }): GatewayCredential {
  const location = { namespace, name: credentialName };
  const problems: string[] = [];
  const certificate = certificateFrom(secrets, location, credentialSdsName(credentialName));
  if (typeof certificate === 'string') problems.push(certificate);
  let validation: ValidationSource | string | undefined;
  if (options.mutual) {
    validation = validationFrom(secrets, location, caCertificateSdsName(credentialName));
    if (typeof validation === 'string') problems.push(validation);
  }
  return {
    ...(typeof certificate === 'string' ? {} : { certificate }),
    ...(validation === undefined || typeof validation === 'string' ? {} : { validation }),
    problems,
  };
}

/**
 * What an SDS name a proxy in `proxyNamespace` asks for is made of: `kubernetes://NAME`,
 * `kubernetes://NAME-cacert`, or the bare `NAME` / `NAME-cacert`; `{ problem }` when no Secret
 * of that namespace backs it. Names of another namespace are not resolved here (see xds's
 * access rule): a gateway gets only its own namespace's credentials.
 */
export function resolveCredentialSdsName(secrets: SecretsByKey, proxyNamespace: string, sdsName: string): CredentialSource | { problem: string } {
  const rest = sdsName.startsWith(CREDENTIAL_SDS_PREFIX) ? sdsName.slice(CREDENTIAL_SDS_PREFIX.length) : sdsName;
  if (rest === '' || rest.includes('/')) return { problem: `${JSON.stringify(sdsName)} is not a credential name of the proxy's namespace` };
  if (rest.endsWith(CA_CERT_SUFFIX) && rest.length > CA_CERT_SUFFIX.length) {
    const found = validationFrom(secrets, { namespace: proxyNamespace, name: rest.slice(0, -CA_CERT_SUFFIX.length) }, sdsName);
    return typeof found === 'string' ? { problem: found } : found;
  }
  const found = certificateFrom(secrets, { namespace: proxyNamespace, name: rest }, sdsName);
  return typeof found === 'string' ? { problem: found } : found;
}

/** The proxy roles xds serves gateway credentials to (node metadata `ROLE`); a sidecar gets none. */
export const CREDENTIAL_ROLES: readonly string[] = ['ingress-gateway', 'egress-gateway'];

/**
 * Whether xds will answer `sdsName` for a proxy of `role` in `namespace` from these Secrets:
 * what a consistency check asks of every credential name a listener carries, so that the
 * compiler never sends a listener that waits for a secret xds will not serve. (xds also needs
 * the payload row, which the api writes before the event.)
 */
export function credentialServable(secrets: SecretsByKey, role: string, namespace: string, sdsName: string): boolean {
  return CREDENTIAL_ROLES.includes(role) && !('problem' in resolveCredentialSdsName(secrets, namespace, sdsName));
}

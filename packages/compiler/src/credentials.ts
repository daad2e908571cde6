/**
 * Gateway credentials: a Gateway server's `credentialName` (or a Kubernetes Ingress's
 * `tls.secretName`) resolved to the SDS names Envoy will ask for, or the reason it cannot be.
 *
 * Istio's rules: the Secret is looked up in the GATEWAY WORKLOAD's namespace (the proxy's, not the
 * Gateway object's); the certificate is served as `kubernetes://NAME` and, for MUTUAL, the
 * client CA as `kubernetes://NAME-cacert`. Three layouts are accepted: `tls.key`/`tls.crt`
 * (+ `ca.crt`), generic `key`/`cert` (+ `cacert`), and for the CA a separate Secret `NAME-cacert`
 * holding `ca.crt` or `cacert`. A Secret with `problems` (bad PEM, key not matching, expired…,
 * found at apply) does not resolve: Envoy would wait forever, or fail every handshake.
 */
import { stateKey, type SecretObject } from '@meshgate/model';
import type { CompileIndex } from './meshIndex.js';
import { credentialSecretName } from './naming.js';

/** Istio's suffix for the client-CA half of a credential. */
export const CA_CREDENTIAL_SUFFIX = '-cacert';

const CERTIFICATE_LAYOUTS = [
  ['tls.key', 'tls.crt'],
  ['key', 'cert'],
] as const;
const CA_KEYS = ['ca.crt', 'cacert'] as const;
/** Secret types that can carry a credential (`kubectl create secret tls` / `generic`). */
const CREDENTIAL_TYPES = new Set(['kubernetes.io/tls', 'Opaque']);

export interface ResolvedCredential {
  /** SDS name of the certificate and key, `kubernetes://NAME`. */
  certificate: string;
  /** SDS name of the client CA (MUTUAL only), `kubernetes://NAME-cacert`. */
  validation?: string;
}

export type CredentialResolution = { ok: true; credential: ResolvedCredential } | { ok: false; reason: string };

/** What resolving reads: the Secrets by `stateKey` (a `CompileIndex`, or `{ secretsByKey: state.byKind.Secret }` for analysis). */
export type CredentialSecrets = Pick<CompileIndex, 'secretsByKey'>;

function secretIn(index: CredentialSecrets, namespace: string, name: string): SecretObject | undefined {
  return index.secretsByKey.get(stateKey(namespace, name));
}

/** Why a Secret cannot be used at all, or undefined. */
function unusable(secret: SecretObject): string | undefined {
  if (!CREDENTIAL_TYPES.has(secret.type)) return `has type ${secret.type}; a credential is a kubernetes.io/tls or Opaque Secret`;
  if (secret.problems.length > 0) return `is not a usable credential: ${secret.problems.join('; ')}`;
  return undefined;
}

function hasKeyPair(secret: SecretObject): boolean {
  return CERTIFICATE_LAYOUTS.some(([key, cert]) => key in secret.data && cert in secret.data);
}

function hasCa(secret: SecretObject): boolean {
  return CA_KEYS.some((key) => key in secret.data);
}

/** Where the client CA of credential `name` is, or why there is none. */
function resolveCa(index: CredentialSecrets, namespace: string, name: string, own: SecretObject): string | undefined {
  if (hasCa(own)) return undefined;
  const separate = secretIn(index, namespace, `${name}${CA_CREDENTIAL_SUFFIX}`);
  if (!separate) return `has no ca.crt or cacert key, and there is no Secret ${namespace}/${name}${CA_CREDENTIAL_SUFFIX}; MUTUAL needs the client CA`;
  const problem = unusable(separate);
  if (problem !== undefined) return `CA Secret ${namespace}/${separate.metadata.name} ${problem}`;
  if (!hasCa(separate)) return `CA Secret ${namespace}/${separate.metadata.name} has no ca.crt or cacert key`;
  return undefined;
}

const KUBERNETES_PREFIX = credentialSecretName('');

/**
 * `credentialName` as Istio reads it: `NAME`, `kubernetes://NAME`, or `[kubernetes://]NS/NAME`
 * where NS must be the gateway's own namespace (a gateway is never sent another namespace's
 * credential). The name alone, or why it cannot be used.
 */
function credentialNameIn(written: string, namespace: string): { name: string } | { reason: string } {
  const rest = written.startsWith(KUBERNETES_PREFIX) ? written.slice(KUBERNETES_PREFIX.length) : written;
  const parts = rest.split('/');
  if (parts.some((part) => part === '') || parts.length > 2) return { reason: `credentialName ${JSON.stringify(written)} is not NAME or NAMESPACE/NAME` };
  if (parts.length === 2 && parts[0] !== namespace) {
    return { reason: `credentialName ${written} names namespace ${parts[0]}; a gateway reads credentials of its own namespace (${namespace}) only` };
  }
  return { name: parts[parts.length - 1] };
}

/** Resolves credential `written` in `namespace` (the gateway workload's); `mutual` also needs the client CA. */
export function resolveCredential(index: CredentialSecrets, namespace: string, written: string, mutual: boolean): CredentialResolution {
  const parsed = credentialNameIn(written, namespace);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  const { name } = parsed;
  const secret = secretIn(index, namespace, name);
  if (!secret) return { ok: false, reason: `Secret ${namespace}/${name} does not exist (credentials are looked up in the gateway workload's namespace)` };
  const problem = unusable(secret);
  if (problem !== undefined) return { ok: false, reason: `Secret ${namespace}/${name} ${problem}` };
  if (!hasKeyPair(secret)) return { ok: false, reason: `Secret ${namespace}/${name} has neither tls.key/tls.crt nor key/cert` };
  const certificate = credentialSecretName(name);
  if (!mutual) return { ok: true, credential: { certificate } };
  const caProblem = resolveCa(index, namespace, name, secret);
  if (caProblem !== undefined) return { ok: false, reason: caProblem.startsWith('CA ') ? caProblem : `Secret ${namespace}/${name} ${caProblem}` };
  return { ok: true, credential: { certificate, validation: credentialSecretName(`${name}${CA_CREDENTIAL_SUFFIX}`) } };
}

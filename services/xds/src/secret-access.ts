/**
 * Which SDS secrets a proxy may be sent, Istio's rule: its own identity's workload certificate
 * (`default`), the trust bundle (`ROOTCA`), and gateway credentials only of its own namespace.
 * A credential is named `kubernetes://<name>` (the proxy's namespace), `kubernetes://<ns>/<name>`,
 * or by its plain `<name>` (the proxy's namespace), as Istio's credentialName.
 */
import type { Identity } from '@meshgate/ca';
import { SDS_CERTIFICATE_SECRET, SDS_TRUST_BUNDLE_SECRET } from './sds-secrets.js';

const KUBERNETES_PREFIX = 'kubernetes://';

export interface CredentialName {
  namespace: string;
  name: string;
}

/** The namespace and name a gateway credential's SDS name refers to, for a proxy in `proxyNamespace`. */
export function credentialNameOf(sdsName: string, proxyNamespace: string): CredentialName | undefined {
  const rest = sdsName.startsWith(KUBERNETES_PREFIX) ? sdsName.slice(KUBERNETES_PREFIX.length) : sdsName;
  const parts = rest.split('/');
  if (parts.some((part) => part === '')) return undefined;
  if (parts.length === 1) return { namespace: proxyNamespace, name: parts[0] };
  if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
  return undefined;
}

/** Whether a proxy of `identity` may be sent the secret `sdsName`. */
export function maySendSecret(identity: Identity, sdsName: string): boolean {
  if (sdsName === SDS_CERTIFICATE_SECRET || sdsName === SDS_TRUST_BUNDLE_SECRET) return true;
  const credential = credentialNameOf(sdsName, identity.namespace);
  return credential !== undefined && credential.namespace === identity.namespace;
}

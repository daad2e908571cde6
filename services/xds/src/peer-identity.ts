/**
 * Who is on the other end of an ADS stream, from the connection rather than from what the proxy
 * says: the SPIFFE URI SAN of the client certificate that the mTLS port verified against the
 * mesh trust bundle (`spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`), as Istio
 * reads it. Node metadata that claims another NAMESPACE or SERVICE_ACCOUNT is refused.
 */
import { X509Certificate } from 'node:crypto';
import type { ProxyNode } from '@meshgate/compiler';
import type { Identity } from '@meshgate/ca';

/** What grpc-js reports for a server call (`call.getAuthContext()`). */
export interface PeerAuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: { raw?: Buffer };
}

export type PeerIdentityResult = { identity: Identity; spiffeId: string } | { error: string };

const SPIFFE_PATH = /^\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** The SPIFFE URIs of a certificate's SAN extension (Node prints them as `URI:…`, comma-separated). */
export function spiffeUrisOf(certificate: X509Certificate): string[] {
  const text = certificate.subjectAltName ?? '';
  // Node quotes an entry that contains a comma or a quote; a SPIFFE ID the CA signed never does.
  return text
    .split(', ')
    .filter((entry) => entry.startsWith('URI:spiffe://'))
    .map((entry) => entry.slice('URI:'.length));
}

/** Reads the mesh identity from a verified peer certificate, or says why there is none. */
export function peerIdentity(auth: PeerAuthContext | null | undefined, trustDomain: string): PeerIdentityResult {
  const raw = auth?.sslPeerCertificate?.raw;
  if (auth?.transportSecurityType !== 'ssl' || !raw) return { error: 'the connection carries no verified client certificate' };
  const uris = spiffeUrisOf(new X509Certificate(raw));
  const prefix = `spiffe://${trustDomain}/`;
  const inDomain = uris.filter((uri) => uri.startsWith(prefix));
  if (inDomain.length !== 1) {
    return { error: `the client certificate must carry exactly one SPIFFE ID in trust domain ${trustDomain}; it carries ${uris.length === 0 ? 'none' : uris.join(', ')}` };
  }
  const spiffeId = inDomain[0];
  const match = SPIFFE_PATH.exec(spiffeId.slice(prefix.length - 1));
  if (!match) return { error: `the client certificate's SPIFFE ID ${spiffeId} is not of the form spiffe://${trustDomain}/ns/<namespace>/sa/<service-account>` };
  return { identity: { namespace: match[1], serviceAccount: match[2] }, spiffeId };
}

/**
 * Why the node's claimed identity does not match the certificate's, or undefined when it does.
 * Metadata that leaves NAMESPACE or SERVICE_ACCOUNT out is filled in from the certificate by
 * `withPeerIdentity`; only a claim that differs is refused.
 */
export function claimMismatch(claimed: { namespace?: string; serviceAccount?: string }, peer: Identity, spiffeId: string): string | undefined {
  const wrong: string[] = [];
  if (claimed.namespace !== undefined && claimed.namespace !== peer.namespace) wrong.push(`NAMESPACE "${claimed.namespace}" (certificate: "${peer.namespace}")`);
  if (claimed.serviceAccount !== undefined && claimed.serviceAccount !== peer.serviceAccount) {
    wrong.push(`SERVICE_ACCOUNT "${claimed.serviceAccount}" (certificate: "${peer.serviceAccount}")`);
  }
  if (wrong.length === 0) return undefined;
  return `node metadata claims ${wrong.join(' and ')}, but the client certificate is ${spiffeId}: a proxy may only speak for its own identity`;
}

/** The node with the certificate's identity in place of (equal or absent) claims. */
export function withPeerIdentity(node: ProxyNode, peer: Identity): ProxyNode {
  return { ...node, namespace: peer.namespace, serviceAccount: peer.serviceAccount };
}

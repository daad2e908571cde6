/** PEM helpers for assertions. */
import { X509Certificate } from 'node:crypto';

/** Every certificate in a PEM string (a chain or a bundle), in order. */
export function certificatesIn(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/** Whether some certificate of `bundle` issued `leaf` and its signature checks out. */
export function verifiesAgainst(leaf: X509Certificate, bundle: X509Certificate[]): boolean {
  return bundle.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey));
}

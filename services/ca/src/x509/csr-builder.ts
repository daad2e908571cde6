/**
 * Builds a PKCS#10 CSR (RFC 2986) for a key held by the caller, with the SANs in an
 * extensionRequest attribute: what a workload (or the xds service, for its proxies) sends to
 * `signCsr` so that the CA never sees the private key. forge's ASN.1 encodes, node:crypto signs.
 */
import type { KeyObject } from 'node:crypto';
import { algorithmIdentifier, signAsync, signatureAlgorithmForKey } from './algorithms.js';
import forge from 'node-forge';
import { Class, Type, asn1, bitString, children, encodeDer, extensionsToAsn1, oid, parseDer, sequence } from './asn1.js';
import { nameToAsn1, OID_COMMON_NAME } from './certificate-builder.js';
import { toPem } from './der.js';

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export interface CsrRequest {
  privateKey: KeyObject;
  publicKey: KeyObject;
  dnsNames?: string[];
  uris?: string[];
  /** Optional subject common name (the CA sets its own subject anyway). */
  commonName?: string;
}

export async function createCsr(request: CsrRequest): Promise<string> {
  const algorithm = signatureAlgorithmForKey(request.privateKey);
  if (algorithm === null) throw new Error('createCsr: use an EC P-256/P-384 or RSA (2048+) key');
  const altNames = [...(request.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(request.uris ?? []).map((value) => ({ type: 6, value }))];
  // forge encodes the subjectAltName extension from this description.
  const holder = forge.pki.createCertificate();
  holder.setExtensions([{ name: 'subjectAltName', altNames }]);
  // extensionsToAsn1 gives `[3] { Extensions }`: the attribute wants the inner Extensions.
  const [extensions] = children(extensionsToAsn1(holder.extensions), 'extensions');
  const info = sequence([
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, '\u0000'),
    nameToAsn1(request.commonName ? [{ type: OID_COMMON_NAME, value: request.commonName }] : []),
    parseDer(request.publicKey.export({ type: 'spki', format: 'der' })),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [sequence([oid(OID_EXTENSION_REQUEST), asn1.create(Class.UNIVERSAL, Type.SET, true, [extensions])])]),
  ]);
  const infoDer = encodeDer(info);
  const signature = await signAsync(algorithm.hash, infoDer, request.privateKey);
  const der = encodeDer(sequence([info, algorithmIdentifier(algorithm), bitString(signature)]));
  return toPem(der, 'CERTIFICATE REQUEST');
}

/**
 * node-forge's ASN.1 with the few helpers the CA needs. @types/node-forge lags the library:
 * `asn1.fromDer(bytes, options)` and `pki.certificateExtensionsToAsn1` exist in node-forge 1.x
 * (lib/asn1.js, lib/x509.js) but are not declared, so they are typed here once.
 */
import forge from 'node-forge';
import { fromBinary, toBinary } from './der.js';

export type Asn1 = forge.asn1.Asn1;
export const { asn1 } = forge;
export const { Class, Type } = forge.asn1;

interface FromDerOptions {
  strict: boolean;
  parseAllBytes: boolean;
  decodeBitStrings: boolean;
}

interface UndeclaredForge {
  asn1: { fromDer(bytes: forge.util.ByteStringBuffer, options: FromDerOptions): Asn1 };
  pki: { certificateExtensionsToAsn1(extensions: unknown[]): Asn1 };
}

// Declared above from node-forge's source; the runtime object has these members.
const undeclared = forge as unknown as UndeclaredForge;

/** Parses DER strictly (the whole input, definite lengths); BIT STRINGs are left as bytes. */
export function parseDer(der: Uint8Array): Asn1 {
  return undeclared.asn1.fromDer(forge.util.createBuffer(toBinary(der)), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

export function encodeDer(node: Asn1): Buffer {
  return fromBinary(asn1.toDer(node).getBytes());
}

/** `[3] EXPLICIT Extensions`, from extensions that forge's `setExtensions` has filled in. */
export function extensionsToAsn1(extensions: unknown[]): Asn1 {
  return undeclared.pki.certificateExtensionsToAsn1(extensions);
}

export function sequence(children: Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, children);
}

export function oid(dotted: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

export function nullValue(): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
}

export function integerFromBytes(bytes: Uint8Array): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, toBinary(bytes));
}

export function bitString(bytes: Uint8Array): Asn1 {
  // The leading octet is the number of unused bits in the last byte: none.
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, '\u0000' + toBinary(bytes));
}

export function octetString(bytes: Uint8Array): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, toBinary(bytes));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

// ---------------------------------------------------------------- reading untrusted structures

/** Thrown by the readers below; callers turn it into their own error naming the input. */
export class Asn1ShapeError extends Error {}

export function children(node: Asn1, what: string): Asn1[] {
  if (!Array.isArray(node.value)) throw new Asn1ShapeError(`${what} is not a constructed value`);
  return node.value;
}

export function primitiveBytes(node: Asn1, what: string): Buffer {
  if (typeof node.value !== 'string') throw new Asn1ShapeError(`${what} is not a primitive value`);
  return fromBinary(node.value);
}

export function expectUniversal(node: Asn1 | undefined, type: forge.asn1.Type, what: string): Asn1 {
  if (node === undefined || node.tagClass !== Class.UNIVERSAL || node.type !== type) throw new Asn1ShapeError(`${what} is missing or of the wrong type`);
  return node;
}

export function readOid(node: Asn1 | undefined, what: string): string {
  const checked = expectUniversal(node, Type.OID, what);
  return asn1.derToOid(toBinary(primitiveBytes(checked, what)));
}

/** The content of a BIT STRING with no unused bits (signatures, public keys). */
export function readBitString(node: Asn1 | undefined, what: string): Buffer {
  const bytes = primitiveBytes(expectUniversal(node, Type.BITSTRING, what), what);
  if (bytes.length === 0 || bytes[0] !== 0) throw new Asn1ShapeError(`${what} has unused bits`);
  return bytes.subarray(1);
}

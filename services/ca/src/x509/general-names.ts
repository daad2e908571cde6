/** Reads subjectAltName GeneralNames (RFC 5280 §4.2.1.6) from certificates and CSRs. */
import { Class, children, parseDer, primitiveBytes, readOid, type Asn1 } from './asn1.js';

export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

export interface SubjectAltNames {
  dnsNames: string[];
  uris: string[];
  /** Names of any other kind (IP addresses, e-mail, directory names), described for an error message. */
  others: string[];
}

const OTHER_KINDS: Record<number, string> = { 0: 'otherName', 1: 'e-mail', 3: 'x400Address', 4: 'directoryName', 5: 'ediPartyName', 7: 'IP address', 8: 'registeredID' };

function describeIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) return (bytes.toString('hex').match(/.{4}/g) ?? []).join(':');
  return bytes.toString('hex');
}

/** The GeneralNames inside a subjectAltName extension's value (the OCTET STRING's content). */
export function readSubjectAltNames(extensionValue: Buffer): SubjectAltNames {
  const names: SubjectAltNames = { dnsNames: [], uris: [], others: [] };
  for (const name of children(parseDer(extensionValue), 'GeneralNames')) {
    if (name.tagClass !== Class.CONTEXT_SPECIFIC) throw new Error('a GeneralName is not context-tagged');
    const tag = Number(name.type);
    if (tag === 2 || tag === 6) {
      // dNSName and URI are IA5String: ASCII only.
      const text = primitiveBytes(name, 'GeneralName').toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(text)) throw new Error('a DNS or URI name holds non-ASCII characters');
      (tag === 2 ? names.dnsNames : names.uris).push(text);
    } else if (tag === 7 && typeof name.value === 'string') {
      names.others.push(`IP address ${describeIp(primitiveBytes(name, 'GeneralName'))}`);
    } else if (tag === 1 && typeof name.value === 'string') {
      names.others.push(`e-mail ${primitiveBytes(name, 'GeneralName').toString('latin1')}`);
    } else {
      names.others.push(OTHER_KINDS[tag] ?? `GeneralName [${tag}]`);
    }
  }
  return names;
}

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content. */
  value: Buffer;
}

/** `Extensions ::= SEQUENCE OF Extension`. */
export function readExtensions(node: Asn1): Extension[] {
  return children(node, 'Extensions').map((extension) => {
    const parts = children(extension, 'Extension');
    const critical = parts.length === 3 && primitiveBytes(parts[1], 'critical')[0] !== 0;
    return { oid: readOid(parts[0], 'extnID'), critical, value: primitiveBytes(parts[parts.length - 1], 'extnValue') };
  });
}

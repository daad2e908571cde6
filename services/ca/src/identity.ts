/**
 * Mesh identities and the trust-domain policy on SANs: the CA signs only names inside its trust
 * domain — DNS names ending in `.<trust-domain>` and URIs under `spiffe://<trust-domain>/`.
 */
import { CaError, type Identity } from './types.js';
import type { SubjectAltNames } from './x509/general-names.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A Kubernetes namespace name: a lower-case DNS label. */
export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

/** RFC 1123 host name, lower case, no wildcard; at most 253 characters. */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label));
}

export interface LeafNames {
  dnsNames: string[];
  uris: string[];
}

/** `<sa>.<ns>.<trust-domain>` and `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`. */
export function identityNames(identity: Identity, trustDomain: string): LeafNames {
  return {
    dnsNames: [`${identity.serviceAccount}.${identity.namespace}.${trustDomain}`],
    uris: [`spiffe://${trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`],
  };
}

/** Kubernetes names: a namespace is a DNS label, a service account a DNS subdomain. */
export function validateIdentity(identity: Identity, field: string): void {
  if (!DNS_LABEL.test(identity.namespace)) {
    throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field}.namespace "${identity.namespace}" is not a Kubernetes namespace name (a lower-case DNS label)`, `${field}.namespace`);
  }
  if (!isDnsName(identity.serviceAccount)) {
    throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field}.serviceAccount "${identity.serviceAccount}" is not a Kubernetes service account name (a lower-case DNS subdomain)`, `${field}.serviceAccount`);
  }
}

export class TrustDomainPolicy {
  private readonly dnsSuffix: string;
  private readonly uriPrefix: string;

  constructor(readonly trustDomain: string) {
    if (!isDnsName(trustDomain)) throw new CaError('MG_ERR_CA_CONFIG', `trust domain "${trustDomain}" is not a DNS name`, 'trustDomain');
    this.dnsSuffix = `.${trustDomain}`;
    this.uriPrefix = `spiffe://${trustDomain}/`;
  }

  /** A DNS SAN the CA may sign, normalised to lower case; `field` is named in the error. */
  checkDnsName(name: string, field: string): string {
    const lower = name.toLowerCase();
    if (!lower.endsWith(this.dnsSuffix)) {
      throw new CaError('MG_ERR_CA_FOREIGN_SAN', `${field}: DNS SAN "${name}" is outside the trust domain (it must end with "${this.dnsSuffix}")`, field);
    }
    if (!isDnsName(lower)) throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field}: "${name}" is not a valid DNS name`, field);
    return lower;
  }

  checkUri(uri: string, field: string): string {
    if (!uri.startsWith(this.uriPrefix) || uri.length === this.uriPrefix.length) {
      throw new CaError('MG_ERR_CA_FOREIGN_SAN', `${field}: URI SAN "${uri}" is outside the trust domain (it must start with "${this.uriPrefix}")`, field);
    }
    return uri;
  }

  /** The SANs of a CSR: all must be inside the trust domain; names of other kinds are refused. */
  checkRequested(sans: SubjectAltNames, field: string): LeafNames {
    const [other] = sans.others;
    if (other !== undefined) {
      throw new CaError('MG_ERR_CA_FOREIGN_SAN', `${field}: SAN ${other} is not allowed; only DNS names ending with "${this.dnsSuffix}" and URIs starting with "${this.uriPrefix}"`, field);
    }
    return {
      dnsNames: unique(sans.dnsNames.map((name) => this.checkDnsName(name, field))),
      uris: unique(sans.uris.map((uri) => this.checkUri(uri, field))),
    };
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

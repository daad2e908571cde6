/**
 * Name rules as Kubernetes and Istio apply them. Each check returns a message when the value
 * is not acceptable, so it can be handed to the validation readers as a `Check<string>`.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** IANA service name, used for named ports: lowercase alphanumerics and '-', at least one letter. */
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Namespace names and other single DNS labels. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return 'must be at most 63 characters';
  if (!DNS1123_LABEL.test(value)) {
    return "must be a lowercase RFC 1123 label (lowercase alphanumerics or '-', starting and ending with an alphanumeric)";
  }
  return undefined;
}

/** Most object names (Pod, Endpoints, EndpointSlice, Istio kinds). */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return 'must be at most 253 characters';
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must be a lowercase RFC 1123 subdomain (lowercase alphanumerics, '-' or '.', starting and ending with an alphanumeric)";
  }
  return undefined;
}

/** Service names: a DNS label that starts with a letter. */
export function checkDns1035Label(value: string): string | undefined {
  if (value.length > 63) return 'must be at most 63 characters';
  if (!DNS1035_LABEL.test(value)) {
    return "must be a lowercase RFC 1035 label (lowercase alphanumerics or '-', starting with a letter and ending with an alphanumeric)";
  }
  return undefined;
}

/** Label keys: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function checkLabelKey(value: string): string | undefined {
  const slash = value.indexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (prefix !== undefined) {
    const problem = prefix === '' ? 'prefix must not be empty' : checkDns1123Subdomain(prefix);
    if (problem !== undefined) return `prefix ${JSON.stringify(prefix)} ${problem}`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `${JSON.stringify(value)} must be a qualified name (at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, with an optional DNS prefix and '/')`;
  }
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return "must be empty or at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  }
  return undefined;
}

/** A named port (`targetPort: http`, `ports[].name`). */
export function checkPortName(value: string): string | undefined {
  if (value.length > 15 || !PORT_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    return "must be an IANA service name (at most 15 lowercase alphanumerics or '-', with at least one letter, no '--', starting and ending with an alphanumeric)";
  }
  return undefined;
}

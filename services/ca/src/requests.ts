/**
 * Request checks shared by the CA itself and its two front doors (REST bodies, gRPC messages):
 * one place decides what is a known key algorithm or reason, and how a REST body maps onto the
 * contract's request types. Each failure is a CaError naming the field as the caller spelled it.
 */
import { CaError, isIssueReason, isKeyAlgorithm, ISSUE_REASONS, KEY_ALGORITHMS, type IssueReason, type IssueRequest, type KeyAlgorithm, type SignCsrRequest } from './types.js';

export function checkKeyAlgorithm(value: unknown, field = 'keyAlgorithm'): KeyAlgorithm {
  if (!isKeyAlgorithm(value)) throw new CaError('MG_ERR_CA_BAD_ALGORITHM', `${field} "${String(value)}" is not one of ${KEY_ALGORITHMS.join(', ')}`, field);
  return value;
}

export function checkReason(value: unknown, field = 'reason'): IssueReason {
  if (!isIssueReason(value)) throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field} "${String(value)}" is not one of ${ISSUE_REASONS.join(', ')}`, field);
  return value;
}

// ---------------------------------------------------------------- REST bodies

type Body = Record<string, unknown>;

function bodyObject(body: unknown, allowed: readonly string[]): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'the body must be a JSON object', 'body');
  const unknownField = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknownField !== undefined) throw new CaError('MG_ERR_CA_BAD_REQUEST', `unknown field "${unknownField}"; expected ${allowed.join(', ')}`, unknownField);
  return { ...body };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new CaError('MG_ERR_CA_BAD_REQUEST', `${field} must be a string`, field);
  return value;
}

const ISSUE_FIELDS = ['serviceAccount', 'namespace', 'dnsNames', 'validity', 'keyAlgorithm', 'reason'] as const;
const SIGN_FIELDS = ['csr', 'validity', 'reason'] as const;

/** `POST /v1/ca/issue`: `{serviceAccount, namespace}` or `{dnsNames}`, plus `validity`, `keyAlgorithm`, `reason`. */
export function issueRequestFromBody(raw: unknown): IssueRequest {
  const body = bodyObject(raw, ISSUE_FIELDS);
  const serviceAccount = optionalString(body, 'serviceAccount');
  const namespace = optionalString(body, 'namespace');
  const dnsNames = body.dnsNames;
  if (dnsNames !== undefined && !isStringArray(dnsNames)) {
    throw new CaError('MG_ERR_CA_BAD_REQUEST', 'dnsNames must be an array of strings', 'dnsNames');
  }
  const hasIdentity = serviceAccount !== undefined || namespace !== undefined;
  const hasDnsNames = dnsNames !== undefined && dnsNames.length > 0;
  if (hasIdentity === hasDnsNames) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'give either serviceAccount and namespace, or dnsNames', 'serviceAccount');
  if (hasIdentity && serviceAccount === undefined) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'serviceAccount is required with namespace', 'serviceAccount');
  if (hasIdentity && namespace === undefined) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'namespace is required with serviceAccount', 'namespace');
  const keyAlgorithm = optionalString(body, 'keyAlgorithm');
  return {
    ...(serviceAccount !== undefined && namespace !== undefined ? { identity: { serviceAccount, namespace } } : { dnsNames }),
    validity: optionalString(body, 'validity'),
    keyAlgorithm: keyAlgorithm === undefined ? undefined : checkKeyAlgorithm(keyAlgorithm),
    reason: checkReason(optionalString(body, 'reason') ?? 'api'),
  };
}

/** `POST /v1/ca/sign`: `{csr, validity, reason}`. */
export function signCsrRequestFromBody(raw: unknown): SignCsrRequest {
  const body = bodyObject(raw, SIGN_FIELDS);
  const csrPem = optionalString(body, 'csr');
  if (csrPem === undefined) throw new CaError('MG_ERR_CA_BAD_REQUEST', 'csr (a PEM certificate request) is required', 'csr');
  return { csrPem, validity: optionalString(body, 'validity'), reason: checkReason(optionalString(body, 'reason') ?? 'csr') };
}

/** The CA names identity fields `identity.serviceAccount`; a REST body has them at the top. */
export function restField(field: string | undefined): string | undefined {
  return field?.startsWith('identity.') ? field.slice('identity.'.length) : field;
}

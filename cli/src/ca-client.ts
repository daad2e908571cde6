/**
 * The certificate authority over the REST API (`/v1/ca/*`, `/v1/secrets/*`), as the CLI uses
 * it: the `CertificateAuthority` interface of @meshgate/ca (so `writeCertificateFiles` from
 * @meshgate/xds takes it as it takes the in-process CA), plus reading a published secret.
 * Answers are checked field by field; a refusal becomes a CliError with the server's message
 * (ApiClient adds the hint about the token for 401/403).
 */
import type { CertificateAuthority, CertificateInfo, IssuedCertificate, IssueRequest, SignCsrRequest, TrustBundle } from '@meshgate/ca';
import { problemMessage, type ApiClient, type ApiResponse } from './api-client.js';
import { CliError } from './errors.js';
import { isRecord } from './json.js';

/** A published secret: key name → content, decoded from Kubernetes' base64. */
export interface FetchedSecret {
  type: string;
  data: Record<string, string>;
}

function unexpected(what: string): CliError {
  return new CliError(`error: unexpected response from the server: ${what}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function readInfo(value: unknown, what: string): CertificateInfo {
  if (!isRecord(value)) throw unexpected(`${what} is not an object`);
  const { serialHex, subject, dnsNames, uris, notBefore, notAfter, fingerprintSha256 } = value;
  if (
    typeof serialHex !== 'string' ||
    typeof subject !== 'string' ||
    !isStringArray(dnsNames) ||
    !isStringArray(uris) ||
    typeof notBefore !== 'string' ||
    typeof notAfter !== 'string' ||
    typeof fingerprintSha256 !== 'string'
  ) {
    throw unexpected(`${what} lacks serialHex, subject, dnsNames, uris, notBefore, notAfter or fingerprintSha256`);
  }
  return { serialHex, subject, dnsNames, uris, notBefore, notAfter, fingerprintSha256 };
}

export function readTrustBundle(body: unknown): TrustBundle {
  if (!isRecord(body) || typeof body.pem !== 'string' || typeof body.version !== 'string' || !Array.isArray(body.roots)) {
    throw unexpected('the trust bundle lacks pem, roots or version');
  }
  return { pem: body.pem, version: body.version, roots: body.roots.map((root, i) => readInfo(root, `roots[${i}]`)) };
}

export function readIssuedCertificate(body: unknown): IssuedCertificate {
  if (!isRecord(body) || typeof body.certificatePem !== 'string' || typeof body.chainPem !== 'string' || typeof body.caPem !== 'string') {
    throw unexpected('the issued certificate lacks certificatePem, chainPem or caPem');
  }
  if (body.privateKeyPem !== undefined && typeof body.privateKeyPem !== 'string') throw unexpected('privateKeyPem is not a string');
  return {
    info: readInfo(body.info, 'info'),
    certificatePem: body.certificatePem,
    chainPem: body.chainPem,
    caPem: body.caPem,
    ...(body.privateKeyPem === undefined ? {} : { privateKeyPem: body.privateKeyPem }),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function readKubernetesSecret(body: unknown): FetchedSecret {
  if (!isRecord(body) || body.kind !== 'Secret' || typeof body.type !== 'string' || !isRecord(body.data)) throw unexpected('not a Secret with type and data');
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(body.data)) {
    if (typeof value !== 'string' || !BASE64.test(value)) throw unexpected(`data["${key}"] is not base64`);
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return { type: body.type, data };
}

export class CaRestClient implements CertificateAuthority {
  constructor(private readonly api: ApiClient) {}

  async trustBundle(): Promise<TrustBundle> {
    return readTrustBundle(await this.call('GET', '/v1/ca/bundle'));
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const names = request.identity !== undefined ? { serviceAccount: request.identity.serviceAccount, namespace: request.identity.namespace } : { dnsNames: request.dnsNames };
    return readIssuedCertificate(await this.call('POST', '/v1/ca/issue', { ...names, validity: request.validity, keyAlgorithm: request.keyAlgorithm, reason: request.reason }));
  }

  async signCsr(request: SignCsrRequest): Promise<IssuedCertificate> {
    return readIssuedCertificate(await this.call('POST', '/v1/ca/sign', { csr: request.csrPem, validity: request.validity, reason: request.reason }));
  }

  async rotateRoot(): Promise<TrustBundle> {
    return readTrustBundle(await this.call('POST', '/v1/ca/rotate'));
  }

  async dropInactiveRoots(): Promise<TrustBundle> {
    return readTrustBundle(await this.call('POST', '/v1/ca/drop-inactive-roots'));
  }

  /** `GET /v1/secrets/:namespace/:name`, decoded. */
  async secret(namespace: string, name: string): Promise<FetchedSecret> {
    return readKubernetesSecret(await this.call('GET', `/v1/secrets/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`));
  }

  private async call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<unknown> {
    const response: ApiResponse = await this.api.request(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' });
    if (response.status !== 200) throw new CliError(problemMessage(response));
    return response.body;
  }
}

/**
 * `proto/meshgate/v1/ca.proto` as a grpc-js service definition, and the message shapes as
 * @grpc/proto-loader decodes them (camelCase fields, empty strings and lists for unset fields,
 * null for an unset message). Loaded once, lazily.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO_FILE = path.join('proto', 'meshgate', 'v1', 'ca.proto');
export const CA_SERVICE_NAME = 'meshgate.v1.CertificateAuthority';

/** The repository's `proto/` folder, found by walking up from this module (src/ or dist/src/). */
export function caProtoPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, PROTO_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${PROTO_FILE} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The generic client constructor; its `.service` is the definition a server adds. */
export function caServiceConstructor(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const definition = grpc.loadPackageDefinition(loadSync(caProtoPath(), { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true }));
  const meshgate = definition.meshgate;
  const v1 = meshgate && !isServiceConstructor(meshgate) && 'v1' in meshgate ? meshgate.v1 : undefined;
  const service = v1 && !isServiceConstructor(v1) && 'CertificateAuthority' in v1 ? v1.CertificateAuthority : undefined;
  if (!isServiceConstructor(service)) throw new Error(`${CA_SERVICE_NAME} is missing from ${PROTO_FILE}`);
  cached = service;
  return service;
}

function isServiceConstructor(value: unknown): value is grpc.ServiceClientConstructor {
  return typeof value === 'function' && 'service' in value;
}

// ---------------------------------------------------------------- messages, as decoded

export interface IdentityMessage {
  serviceAccount: string;
  namespace: string;
}

export interface IssueRequestMessage {
  identity: IdentityMessage | null;
  dnsNames: string[];
  validity: string;
  keyAlgorithm: string;
  reason: string;
}

export interface SignCsrRequestMessage {
  csrPem: string;
  validity: string;
  reason: string;
}

export interface CertificateInfoMessage {
  serialHex: string;
  subject: string;
  dnsNames: string[];
  uris: string[];
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
}

export interface IssuedCertificateMessage {
  info: CertificateInfoMessage | null;
  certificatePem: string;
  chainPem: string;
  caPem: string;
  privateKeyPem: string;
}

export interface TrustBundleMessage {
  pem: string;
  roots: CertificateInfoMessage[];
  version: string;
}

export const ERROR_CODE_KEY = 'mg-error-code';
export const ERROR_FIELD_KEY = 'mg-error-field';

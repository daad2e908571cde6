/**
 * The CA for other services, one interface in both modes:
 *
 * - `connectCa('ca:9090', { token })`: over gRPC (distributed mode). The token goes with every call
 *   as `authorization: Bearer …` metadata (Issue needs `ca-issue`, see access.ts). A refused
 *   request comes back as the same CaError the CA threw (code and field travel in trailing
 *   metadata; a missing or insufficient token is MG_ERR_UNAUTHENTICATED / MG_ERR_FORBIDDEN); an
 *   unreachable CA is MG_ERR_CA_UNAVAILABLE.
 * - `createInProcessCa(ca)`: the CA object itself (embedded mode), behind the same `CaClient`.
 */
import * as grpc from '@grpc/grpc-js';
import { isCaErrorCode } from '../errors.js';
import { CaError, type CertificateAuthority, type CertificateInfo, type IssuedCertificate, type IssueRequest, type SignCsrRequest, type TrustBundle } from '../types.js';
import {
  bearerMetadata,
  ERROR_CODE_KEY,
  ERROR_FIELD_KEY,
  serviceConstructor,
  type CertificateInfoMessage,
  type IssuedCertificateMessage,
  type IssueRequestMessage,
  type SignCsrRequestMessage,
  type TrustBundleMessage,
} from '@meshgate/grpc-api';

export interface CaClient extends CertificateAuthority {
  /** Releases the connection (a no-op in process: the CA's owner closes it). */
  close(): Promise<void>;
}

/** The in-process CA as a CaClient: what the embedded run hands to xds. */
export function createInProcessCa(ca: CertificateAuthority): CaClient {
  return {
    trustBundle: () => ca.trustBundle(),
    issue: (request) => ca.issue(request),
    signCsr: (request) => ca.signCsr(request),
    rotateRoot: () => ca.rotateRoot(),
    dropInactiveRoots: () => ca.dropInactiveRoots(),
    close: async () => undefined,
  };
}

export interface ConnectCaOptions {
  /** Default: insecure (the CA listens inside the control plane's network). */
  credentials?: grpc.ChannelCredentials;
  /** Per call; key generation for RSA-4096 takes seconds. Default 30 s. */
  deadlineMs?: number;
  /**
   * Sent as `authorization: Bearer <token>` metadata with every call (the xds service's comes from
   * MESHGATE_CA_TOKEN, see `loadCaClientToken`). Metadata rather than call credentials: grpc-js
   * attaches call credentials only to TLS channels, and the CA's port is plaintext today.
   */
  token?: string;
}

function infoFrom(message: CertificateInfoMessage | null): CertificateInfo {
  if (message === null) throw new CaError('MG_ERR_CA_UNAVAILABLE', 'the CA answered without certificate info');
  return {
    serialHex: message.serialHex,
    subject: message.subject,
    dnsNames: message.dnsNames,
    uris: message.uris,
    notBefore: message.notBefore,
    notAfter: message.notAfter,
    fingerprintSha256: message.fingerprintSha256,
  };
}

function issuedFrom(message: IssuedCertificateMessage): IssuedCertificate {
  return {
    info: infoFrom(message.info),
    certificatePem: message.certificatePem,
    chainPem: message.chainPem,
    caPem: message.caPem,
    ...(message.privateKeyPem === '' ? {} : { privateKeyPem: message.privateKeyPem }),
  };
}

function bundleFrom(message: TrustBundleMessage): TrustBundle {
  return { pem: message.pem, roots: message.roots.map(infoFrom), version: message.version };
}

function caErrorFrom(error: grpc.ServiceError, address: string): CaError {
  const [code] = error.metadata?.get(ERROR_CODE_KEY) ?? [];
  const [field] = error.metadata?.get(ERROR_FIELD_KEY) ?? [];
  if (isCaErrorCode(code)) return new CaError(code, error.details, typeof field === 'string' ? field : undefined);
  return new CaError('MG_ERR_CA_UNAVAILABLE', `the CA at ${address} did not answer: ${error.details || grpc.status[error.code]}`);
}

/** A CaClient over gRPC to `address` (`host:port`). */
export function connectCa(address: string, options: ConnectCaOptions = {}): CaClient {
  const Client = serviceConstructor('certificateAuthority');
  const client = new Client(address, options.credentials ?? grpc.credentials.createInsecure());
  const deadlineMs = options.deadlineMs ?? 30_000;
  const metadata = bearerMetadata(options.token);

  function call<Request, Response>(method: string, request: Request): Promise<Response> {
    const rpc: unknown = client[method];
    if (typeof rpc !== 'function') throw new Error(`the CA client has no method ${method}`);
    return new Promise((resolve, reject) => {
      rpc.call(client, request, metadata.clone(), { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, response: Response) =>
        error ? reject(caErrorFrom(error, address)) : resolve(response),
      );
    });
  }

  return {
    trustBundle: async () => bundleFrom(await call<object, TrustBundleMessage>('GetTrustBundle', {})),
    rotateRoot: async () => bundleFrom(await call<object, TrustBundleMessage>('RotateRoot', {})),
    dropInactiveRoots: async () => bundleFrom(await call<object, TrustBundleMessage>('DropInactiveRoots', {})),
    async issue(request: IssueRequest) {
      const message: IssueRequestMessage = {
        identity: request.identity ?? null,
        dnsNames: request.dnsNames ?? [],
        validity: request.validity ?? '',
        keyAlgorithm: request.keyAlgorithm ?? '',
        reason: request.reason,
      };
      return issuedFrom(await call<IssueRequestMessage, IssuedCertificateMessage>('Issue', message));
    },
    async signCsr(request: SignCsrRequest) {
      const message: SignCsrRequestMessage = { csrPem: request.csrPem, validity: request.validity ?? '', reason: request.reason };
      return issuedFrom(await call<SignCsrRequestMessage, IssuedCertificateMessage>('SignCsr', message));
    },
    async close() {
      client.close();
    },
  };
}

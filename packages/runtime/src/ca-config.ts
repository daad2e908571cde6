/**
 * The ca service's settings from the environment (services/ca/README.md lists them). Durations
 * and the key algorithm are kept as given and checked by the ca service, which names the
 * variable in its errors. Holds the encryption key when it is given inline: never log it.
 */
import { optional, port } from './env.js';

export interface CaSettings {
  /** MESHGATE_CA_HOST, default 127.0.0.1 */
  host: string;
  /** MESHGATE_CA_HTTP_PORT, default 8081 (REST, /healthz, /readyz, /metrics). */
  httpPort: number;
  /** MESHGATE_CA_ADDRESS: where other services reach the CA over gRPC (`host:port`); unset → in process. */
  address?: string;
  /** MESHGATE_CA_KEY_ALGORITHM: key algorithm of generated roots (ECDSA_P256, RSA_2048, RSA_4096). */
  keyAlgorithm: string;
  /** MESHGATE_CA_DEFAULT_VALIDITY, default 24h (Go-style duration). */
  defaultValidity: string;
  /** MESHGATE_CA_MAX_VALIDITY, default 720h: longer requests are clamped to it. */
  maxValidity: string;
  /** MESHGATE_CA_ROOT_VALIDITY, default 87600h (ten years). */
  rootValidity: string;
  /** MESHGATE_CA_CERT_FILE / MESHGATE_CA_KEY_FILE / MESHGATE_CA_CHAIN_FILE: an operator's root or intermediate. */
  certFile?: string;
  keyFile?: string;
  chainFile?: string;
  /** MESHGATE_CA_ENCRYPTION_KEY_FILE: 32 bytes (base64, hex or raw) that encrypt the CA keys at rest. */
  encryptionKeyFile?: string;
  /** MESHGATE_CA_ENCRYPTION_KEY: the same key inline (base64 or hex). */
  encryptionKey?: string;
}

/** MESHGATE_GRPC_PORT, default 9090: the gRPC API (the ca service serves `meshgate.v1.CertificateAuthority` on it). */
export function loadGrpcPort(env: NodeJS.ProcessEnv): number {
  return port(env, 'MESHGATE_GRPC_PORT', 9090);
}

export function loadCaSettings(env: NodeJS.ProcessEnv): CaSettings {
  return {
    host: optional(env, 'MESHGATE_CA_HOST') ?? '127.0.0.1',
    httpPort: port(env, 'MESHGATE_CA_HTTP_PORT', 8081),
    address: optional(env, 'MESHGATE_CA_ADDRESS'),
    keyAlgorithm: optional(env, 'MESHGATE_CA_KEY_ALGORITHM') ?? 'ECDSA_P256',
    defaultValidity: optional(env, 'MESHGATE_CA_DEFAULT_VALIDITY') ?? '24h',
    maxValidity: optional(env, 'MESHGATE_CA_MAX_VALIDITY') ?? '720h',
    rootValidity: optional(env, 'MESHGATE_CA_ROOT_VALIDITY') ?? '87600h',
    certFile: optional(env, 'MESHGATE_CA_CERT_FILE'),
    keyFile: optional(env, 'MESHGATE_CA_KEY_FILE'),
    chainFile: optional(env, 'MESHGATE_CA_CHAIN_FILE'),
    encryptionKeyFile: optional(env, 'MESHGATE_CA_ENCRYPTION_KEY_FILE'),
    encryptionKey: optional(env, 'MESHGATE_CA_ENCRYPTION_KEY'),
  };
}

/**
 * Certificate material as files, for proxyless gRPC: `@grpc/grpc-js-xds` does not speak SDS; it
 * reads its certificates through the `file_watcher` certificate provider named in its bootstrap,
 * re-reading the files every `refresh_interval`. Writing the files again (a renewal, a root
 * rotation) is how new material reaches it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CertificateAuthority, CertificateInfo, Identity, IssueReason } from '@meshgate/ca';
import { caFileProviderInstance, GRPC_CERTIFICATE_PROVIDER_INSTANCE, identityFileProviderInstance } from '@meshgate/compiler';
import { certificateChainPem } from './sds-secrets.js';

export const CERTIFICATE_FILE = 'cert.pem';
export const PRIVATE_KEY_FILE = 'key.pem';
export const CA_CERTIFICATE_FILE = 'ca.pem';

export interface CertificateFilesOptions {
  /** Go duration such as `24h`; the CA's default when unset. */
  validity?: string;
  /** Recorded in the CertificateIssued event; default `sds` (the file form of SDS material). */
  reason?: IssueReason;
}

export interface WrittenCertificateFiles {
  /** The leaf followed by its intermediates. */
  certificateFile: string;
  /** Mode 0600. */
  privateKeyFile: string;
  /** The trust bundle: every root currently trusted. */
  caCertificateFile: string;
  /** What was issued (public facts only). */
  info: CertificateInfo;
}

/**
 * Issues a certificate for `identity` and writes `cert.pem` (leaf + chain), `key.pem` (0600) and
 * `ca.pem` (trust bundle) into `directory` (created 0700 if missing). Each file is replaced
 * atomically (written beside it, then renamed), so a reader never sees half a file; the key is
 * written first so that a new certificate never sits next to an old key for longer than a rename.
 */
export async function writeCertificateFiles(ca: CertificateAuthority, identity: Identity, directory: string, options: CertificateFilesOptions = {}): Promise<WrittenCertificateFiles> {
  const issued = await ca.issue({ identity, validity: options.validity, reason: options.reason ?? 'sds' });
  if (!issued.privateKeyPem) throw new Error('the CA returned a certificate without its private key');
  const files = await writeCertificateMaterial(directory, { certificateChain: certificateChainPem(issued.certificatePem, issued.chainPem), privateKey: issued.privateKeyPem, trustBundle: issued.caPem });
  return { ...files, info: issued.info };
}

/** PEM material for the three files. */
export interface CertificateMaterial {
  /** The leaf followed by its intermediates. */
  certificateChain: string;
  privateKey: string;
  trustBundle: string;
}

export interface CertificateFilePaths {
  certificateFile: string;
  privateKeyFile: string;
  caCertificateFile: string;
}

/** The three file paths in `directory`. */
export function certificateFilePaths(directory: string): CertificateFilePaths {
  const dir = resolve(directory);
  return { certificateFile: join(dir, CERTIFICATE_FILE), privateKeyFile: join(dir, PRIVATE_KEY_FILE), caCertificateFile: join(dir, CA_CERTIFICATE_FILE) };
}

/**
 * Writes the material as `cert.pem`, `key.pem` (0600) and `ca.pem` into `directory` (created 0700
 * if missing), each replaced atomically, the key first (see `writeCertificateFiles`). What
 * `meshgate agent` does with what SDS sends it.
 */
export async function writeCertificateMaterial(directory: string, material: CertificateMaterial): Promise<CertificateFilePaths> {
  await mkdir(resolve(directory), { recursive: true, mode: 0o700 });
  const files = certificateFilePaths(directory);
  await replaceFile(files.privateKeyFile, material.privateKey, 0o600);
  await replaceFile(files.certificateFile, material.certificateChain, 0o644);
  await replaceFile(files.caCertificateFile, material.trustBundle, 0o644);
  return files;
}

/** The bootstrap fragment that points grpc-js-xds's `file_watcher` provider at those files. */
export function bootstrapCertificateProviders(directory: string, options: { instanceName?: string; refreshInterval?: string } = {}) {
  const dir = resolve(directory);
  return {
    certificate_providers: {
      [options.instanceName ?? 'default']: {
        plugin_name: 'file_watcher',
        config: {
          certificate_file: join(dir, CERTIFICATE_FILE),
          private_key_file: join(dir, PRIVATE_KEY_FILE),
          ca_certificate_file: join(dir, CA_CERTIFICATE_FILE),
          refresh_interval: options.refreshInterval ?? '10s',
        },
      },
    },
  };
}

/** A DestinationRule's certificate files as a proxyless client must have them (`caCertificates`, and for MUTUAL the client pair). */
export interface UpstreamTlsFiles {
  caCertificates?: string;
  clientCertificate?: string;
  privateKey?: string;
}

/**
 * `file_watcher` instances over DestinationRule files, named as the compiler names them
 * (`caFileProviderInstance`, `identityFileProviderInstance`), and the list of every instance
 * name for the node metadata `CERTIFICATE_PROVIDERS` (with `default`, the agent's files). Paths
 * are kept as written: the names must spell the rule's paths exactly.
 */
export function upstreamTlsCertificateProviders(files: UpstreamTlsFiles[], options: { refreshInterval?: string } = {}) {
  const refresh_interval = options.refreshInterval ?? '10s';
  const providers: Record<string, { plugin_name: 'file_watcher'; config: Record<string, string> }> = {};
  for (const entry of files) {
    if ((entry.clientCertificate === undefined) !== (entry.privateKey === undefined)) throw new Error('a client certificate needs its private key, and a private key its certificate');
    if (entry.caCertificates !== undefined) {
      providers[caFileProviderInstance(entry.caCertificates)] = { plugin_name: 'file_watcher', config: { ca_certificate_file: entry.caCertificates, refresh_interval } };
    }
    if (entry.clientCertificate !== undefined && entry.privateKey !== undefined) {
      providers[identityFileProviderInstance(entry.clientCertificate, entry.privateKey)] = {
        plugin_name: 'file_watcher',
        config: { certificate_file: entry.clientCertificate, private_key_file: entry.privateKey, refresh_interval },
      };
    }
  }
  const names = [...new Set([GRPC_CERTIFICATE_PROVIDER_INSTANCE, ...Object.keys(providers)])].sort();
  return { providers, names };
}

async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode, flag: 'wx' });
    await chmod(temporary, mode); // the umask may have narrowed it
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

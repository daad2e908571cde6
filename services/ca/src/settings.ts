/**
 * From the runtime's configuration (environment variables) to the CA's options: checks the
 * settings, naming the variable in each error, reads the operator's PEM files and loads the
 * encryption key. Everything here runs once, at start-up.
 */
import { readFileSync } from 'node:fs';
import type { MeshgateConfig } from '@meshgate/runtime';
import type { CaOptions } from './authority.js';
import { parseGoDuration } from './duration.js';
import { loadEncryptionKey, type EncryptionKeySources, type LoadedEncryptionKey } from '@meshgate/secrets';
import { materialFromOperatorPem } from './signer.js';
import { asCaError, CaError, isKeyAlgorithm, KEY_ALGORITHMS, type KeyAlgorithm } from './types.js';

/** `ECDSA_P256`, also spelled `ecdsa-p256`; `RSA_2048`/`rsa-2048`; `RSA_4096`/`rsa-4096`. */
export function parseKeyAlgorithmSetting(value: string, variable: string): KeyAlgorithm {
  const normalised = value.trim().toUpperCase().replaceAll('-', '_');
  if (!isKeyAlgorithm(normalised)) throw new CaError('MG_ERR_CA_CONFIG', `${variable}: "${value}" is not one of ${KEY_ALGORITHMS.join(', ')}`, variable);
  return normalised;
}

function durationSetting(value: string, variable: string): string {
  const parsed = parseGoDuration(value);
  if (!parsed.ok) throw new CaError('MG_ERR_CA_CONFIG', `${variable}: "${value}" ${parsed.reason}`, variable);
  if (parsed.ms < 1000) throw new CaError('MG_ERR_CA_CONFIG', `${variable}: "${value}" must be at least one second`, variable);
  return value;
}

function readSettingFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CaError('MG_ERR_CA_CONFIG', `${variable}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`, variable);
  }
}

export interface SettingsOptions {
  /** With no key configured, generate one under the data directory (the embedded default). */
  allowGeneratedEncryptionKey: boolean;
}

export type CaSettingsOptions = Omit<CaOptions, 'store' | 'bus' | 'logger' | 'registry' | 'now' | 'randomBytes'> & {
  /** Where the encryption key came from, for a start-up log line (never the key). */
  encryptionKeySource: string;
};

export function caOptionsFromConfig(config: Pick<MeshgateConfig, 'ca' | 'trustDomain' | 'dataDir'>, options: SettingsOptions): CaSettingsOptions {
  const ca = config.ca;
  const rootKeyAlgorithm = parseKeyAlgorithmSetting(ca.keyAlgorithm, 'MESHGATE_CA_KEY_ALGORITHM');
  const defaultValidity = durationSetting(ca.defaultValidity, 'MESHGATE_CA_DEFAULT_VALIDITY');
  const maxValidity = durationSetting(ca.maxValidity, 'MESHGATE_CA_MAX_VALIDITY');
  const rootValidity = durationSetting(ca.rootValidity, 'MESHGATE_CA_ROOT_VALIDITY');

  if ((ca.certFile === undefined) !== (ca.keyFile === undefined)) {
    throw new CaError('MG_ERR_CA_CONFIG', 'MESHGATE_CA_CERT_FILE and MESHGATE_CA_KEY_FILE go together: set both or neither', ca.certFile === undefined ? 'MESHGATE_CA_CERT_FILE' : 'MESHGATE_CA_KEY_FILE');
  }
  if (ca.chainFile !== undefined && ca.certFile === undefined) {
    throw new CaError('MG_ERR_CA_CONFIG', 'MESHGATE_CA_CHAIN_FILE needs MESHGATE_CA_CERT_FILE and MESHGATE_CA_KEY_FILE', 'MESHGATE_CA_CHAIN_FILE');
  }
  const operatorSigner =
    ca.certFile !== undefined && ca.keyFile !== undefined
      ? materialFromOperatorPem(
          readSettingFile(ca.certFile, 'MESHGATE_CA_CERT_FILE'),
          readSettingFile(ca.keyFile, 'MESHGATE_CA_KEY_FILE'),
          ca.chainFile === undefined ? '' : readSettingFile(ca.chainFile, 'MESHGATE_CA_CHAIN_FILE'),
        )
      : undefined;

  const encryption = loadCaEncryptionKey({
    keyFile: ca.encryptionKeyFile,
    key: ca.encryptionKey,
    allowGenerated: options.allowGeneratedEncryptionKey,
    dataDir: config.dataDir,
  });
  return {
    trustDomain: config.trustDomain,
    rootKeyAlgorithm,
    defaultValidity,
    maxValidity,
    rootValidity,
    operatorSigner,
    encryptionKey: encryption.key,
    encryptionKeySource: encryption.source,
  };
}

/** `loadEncryptionKey`, its errors as the CA's own. */
function loadCaEncryptionKey(sources: EncryptionKeySources): LoadedEncryptionKey {
  try {
    return loadEncryptionKey(sources);
  } catch (error) {
    throw asCaError(error);
  }
}

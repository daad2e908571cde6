/**
 * Secrets at rest (the CA's keys, published and applied Secrets): AES-256-GCM under the deployment's 32-byte key. Each secret gets a
 * fresh 96-bit IV, and its name is the additional authenticated data, so a ciphertext copied
 * under another name does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFileOnce } from '@meshgate/auth';
import { SecretsError } from './errors.js';

const FORMAT = 'aes-256-gcm:v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export class SecretCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretsError('MG_ERR_CA_CONFIG', `the CA encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /** `aes-256-gcm:v1:<iv>:<tag>:<ciphertext>`, each part base64. */
  encrypt(plaintext: string, name: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  /** The plaintext, or MG_ERR_CA_CONFIG when the key (or the name) is not the one it was sealed with. */
  decrypt(sealed: string, name: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== FORMAT) {
      throw new SecretsError('MG_ERR_CA_CONFIG', `secret ${name} is not in the ${FORMAT} format`);
    }
    const [, , iv, tag, ciphertext] = parts;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // GCM says only "unable to authenticate": for an intact store that means another key.
      throw new SecretsError('MG_ERR_CA_CONFIG', `secret ${name} does not decrypt with the configured CA encryption key (is it the key the CA was first started with?)`);
    }
  }
}

/** Key text as an operator writes it: 64 hex digits or base64 of 32 bytes (a file may also hold the raw 32 bytes). */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) || /^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new SecretsError('MG_ERR_CA_CONFIG', `${source}: expected a 32-byte key as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`);
}

export interface EncryptionKeySources {
  /** MESHGATE_CA_ENCRYPTION_KEY_FILE */
  keyFile?: string;
  /** MESHGATE_CA_ENCRYPTION_KEY */
  key?: string;
  /**
   * With neither given: generate a key once and keep it in `<dataDir>/ca-encryption.key` (0600).
   * Meant for the embedded default, where the data it protects lives in the same directory.
   */
  allowGenerated: boolean;
  dataDir: string;
}

export const GENERATED_KEY_FILE = 'ca-encryption.key';

export interface LoadedEncryptionKey {
  key: Buffer;
  /** Where it came from, for a log line (never the key). */
  source: string;
}

export function loadEncryptionKey(sources: EncryptionKeySources): LoadedEncryptionKey {
  if (sources.keyFile !== undefined && sources.key !== undefined) {
    throw new SecretsError('MG_ERR_CA_CONFIG', 'set MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY, not both');
  }
  if (sources.keyFile !== undefined) return { key: readKeyFile(sources.keyFile, 'MESHGATE_CA_ENCRYPTION_KEY_FILE'), source: `file ${sources.keyFile}` };
  if (sources.key !== undefined) return { key: parseEncryptionKey(sources.key, 'MESHGATE_CA_ENCRYPTION_KEY'), source: 'MESHGATE_CA_ENCRYPTION_KEY' };
  if (!sources.allowGenerated) {
    throw new SecretsError(
      'MG_ERR_CA_CONFIG',
      'the CA needs an encryption key for its private keys: set MESHGATE_CA_ENCRYPTION_KEY_FILE (a file holding 32 bytes as base64 or hex) or MESHGATE_CA_ENCRYPTION_KEY; generate one with `openssl rand -base64 32`',
    );
  }
  const file = path.resolve(sources.dataDir, GENERATED_KEY_FILE);
  const created = createFileOnce(file, () => randomBytes(KEY_BYTES).toString('base64') + '\n');
  return { key: readKeyFile(file, file), source: `${created ? 'generated' : 'file'} ${file}` };
}

function readKeyFile(file: string, what: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    throw new SecretsError('MG_ERR_CA_CONFIG', `${what}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`);
  }
  if (content.length === KEY_BYTES && !/^[\x20-\x7e\s]*$/.test(content.toString('latin1'))) return content;
  return parseEncryptionKey(content.toString('utf8'), what);
}

/**
 * The deployment key for a service that can run without it (the api stores applied Secrets, xds
 * serves them): undefined when none is configured and none may be generated; a configured key
 * that does not load still throws.
 */
export function loadOptionalEncryptionKey(sources: EncryptionKeySources): LoadedEncryptionKey | undefined {
  if (sources.key === undefined && sources.keyFile === undefined && !sources.allowGenerated) return undefined;
  return loadEncryptionKey(sources);
}

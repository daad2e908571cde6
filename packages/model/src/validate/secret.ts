/**
 * `v1 Secret`: the envelope, the type and the key names are validated here; the values are
 * decoded (`data` base64, `stringData` text, which wins over `data` for the same key, as the API
 * server merges them) only to digest them. The object stored in the event log carries each key's
 * SHA-256 and size, never the bytes: the api puts the payload itself in the encrypted secret
 * store (packages/secrets) and fills `problems` from it. Error messages name keys, never values.
 */
import { createHash } from 'node:crypto';
import { checkDns1123Subdomain } from '../names.js';
import type { SecretKeyDigest, SecretObject } from '../types.js';
import { readMetadata } from './metadata.js';
import { ErrorSink, fieldPath, isPlainObject, ObjectReader, sortedRecord } from './reader.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
export const OPAQUE_SECRET_TYPE = 'Opaque';
/** The Secret types meshgate stores (the two `kubectl create secret tls|generic` make). */
export const SECRET_TYPES: readonly string[] = [TLS_SECRET_TYPE, OPAQUE_SECRET_TYPE];

const SECRET_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData', 'immutable']);
/** Kubernetes' rule for a Secret's key names. */
const KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function keyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return `a key must be 1 to ${MAX_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return 'a key may hold only letters, digits, "-", "_" and "."';
  if (key === '.' || key === '..') return 'a key must not be "." or ".."';
  return undefined;
}

/**
 * The Secret's payload, key → bytes (`stringData` over `data`), with every problem reported to
 * the reader at its field path. Values that do not decode are left out.
 */
function readPayload(document: ObjectReader): Map<string, Buffer> {
  const payload = new Map<string, Buffer>();
  const data = document.get('data');
  if (data !== undefined) {
    if (!isPlainObject(data)) document.error('data', 'expected a map of key to base64 value');
    else
      for (const [key, value] of Object.entries(data)) {
        const path = fieldPath(document.pathOf('data'), key);
        const problem = keyProblem(key);
        if (problem !== undefined) document.sink.add(path, problem);
        else if (typeof value !== 'string') document.sink.add(path, 'expected a base64 string');
        else if (!BASE64.test(value.replace(/\s+/g, ''))) document.sink.add(path, 'not valid base64 (the value is not shown)');
        else payload.set(key, Buffer.from(value.replace(/\s+/g, ''), 'base64'));
      }
  }
  const stringData = document.get('stringData');
  if (stringData !== undefined) {
    if (!isPlainObject(stringData)) document.error('stringData', 'expected a map of key to string value');
    else
      for (const [key, value] of Object.entries(stringData)) {
        const path = fieldPath(document.pathOf('stringData'), key);
        const problem = keyProblem(key);
        if (problem !== undefined) document.sink.add(path, problem);
        else if (typeof value !== 'string') document.sink.add(path, 'expected a string');
        else payload.set(key, Buffer.from(value, 'utf8'));
      }
  }
  return payload;
}

/** The payload of a Secret document that `validateDocument` accepted (key → bytes), for the secret store. */
export function secretPayloadOf(document: unknown): Map<string, Buffer> {
  if (!isPlainObject(document)) return new Map();
  // The document was validated already: the throwaway sink stays empty.
  return readPayload(new ObjectReader(new ErrorSink(), '', document));
}

export function digestOfBytes(bytes: Buffer): SecretKeyDigest {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

export function readSecretObject(document: ObjectReader): SecretObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  for (const key of Object.keys(document.value)) {
    if (!SECRET_FIELDS.has(key)) document.error(key, `not a field of a v1 Secret (fields: ${[...SECRET_FIELDS].join(', ')})`);
  }
  const type = document.optionalString('type') ?? OPAQUE_SECRET_TYPE;
  if (!SECRET_TYPES.includes(type)) document.error('type', `meshgate stores Secrets of type ${SECRET_TYPES.join(' or ')} (got ${JSON.stringify(type)})`);
  if (document.optionalBool('immutable') === true) document.error('immutable', 'immutable Secrets are not supported: meshgate rotates credentials by changing them');
  const payload = readPayload(document);
  if (type === TLS_SECRET_TYPE) {
    const missing = ['tls.crt', 'tls.key'].filter((key) => !payload.has(key));
    if (missing.length > 0 && document.sink.count === 0) document.error('data', `a ${TLS_SECRET_TYPE} Secret needs the keys tls.crt and tls.key (missing: ${missing.join(', ')})`);
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    type,
    data: sortedRecord([...payload].map(([key, bytes]) => [key, digestOfBytes(bytes)])),
    problems: [],
  };
}

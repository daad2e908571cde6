/**
 * Test helpers: the real openssl binary, temporary directories, a CA on a store of its own, and
 * a logger whose lines the test can read.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { createTestDatabase, type TestDatabase } from '@meshgate/testkit';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createCa, type CaOptions, type MeshCa } from '../src/authority.js';

export const OPENSSL = '/usr/bin/openssl';

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs openssl; a non-zero exit is returned, not thrown (some tests expect a failure). */
export function openssl(args: string[], cwd?: string): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`cannot run ${OPENSSL}: ${error.message}`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** openssl that must succeed; its stdout. */
export async function opensslOk(args: string[], cwd?: string): Promise<string> {
  const result = await openssl(args, cwd);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export interface TempDir {
  path: string;
  /** Writes `content` to `name` in the directory and returns its full path. */
  write(name: string, content: string): Promise<string>;
  file(name: string): string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'meshgate-ca-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return {
    path: dir,
    file: (name) => path.join(dir, name),
    async write(name, content) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `openssl verify -CAfile root [-untrusted chain] leaf`, in `dir`. */
export async function verifyChain(dir: TempDir, caPem: string, leafPem: string, chainPem = ''): Promise<OpensslResult> {
  const args = ['verify', '-CAfile', await dir.write(`ca-${randomBytes(4).toString('hex')}.pem`, caPem)];
  if (chainPem !== '') args.push('-untrusted', await dir.write(`chain-${randomBytes(4).toString('hex')}.pem`, chainPem));
  args.push(await dir.write(`leaf-${randomBytes(4).toString('hex')}.pem`, leafPem));
  return openssl(args);
}

export async function certificateText(dir: TempDir, pem: string): Promise<string> {
  return opensslOk(['x509', '-text', '-noout', '-in', await dir.write(`cert-${randomBytes(4).toString('hex')}.pem`, pem)]);
}

export type LogRecord = Record<string, unknown>;

/** A pino logger at debug level whose lines land in `lines` (raw JSON text) as they are written. */
export function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
}

export interface TestCa {
  ca: MeshCa;
  store: EventStore;
  registry: Registry;
  encryptionKey: Buffer;
  close(): Promise<void>;
}

export interface TestCaOptions extends Partial<CaOptions> {
  /**
   * Where a CA without a given store keeps its state: a fresh database on the real Postgres
   * (default: creating one takes a fraction of a second) or PGlite in memory (the embedded
   * default, slower to start).
   */
  backend?: 'postgres' | 'pglite';
}

/** A CA on a store of its own (unless `store` is given), closed and dropped by `close()`. */
export async function openTestCa(options: TestCaOptions = {}): Promise<TestCa> {
  const { backend = 'postgres', ...caOptions } = options;
  let database: TestDatabase | undefined;
  let store = caOptions.store;
  if (store === undefined) {
    if (backend === 'postgres') database = await createTestDatabase('mg_ca');
    store = await openEventStore(database ? { databaseUrl: database.url } : { memory: true });
  }
  const registry = caOptions.registry ?? new Registry();
  const encryptionKey = caOptions.encryptionKey ?? randomBytes(32);
  const ownedStore = caOptions.store === undefined ? store : undefined;
  let ca: MeshCa;
  try {
    ca = await createCa({ trustDomain: 'cluster.local', ...caOptions, store, registry, encryptionKey });
  } catch (error) {
    await ownedStore?.close();
    await database?.drop();
    throw error;
  }
  return {
    ca,
    store,
    registry,
    encryptionKey,
    async close() {
      await ca.close();
      await ownedStore?.close();
      await database?.drop();
    },
  };
}

/** The certificate's extensions section of `openssl x509 -text`, as `name → lines`. */
export function extensionsOf(text: string): Map<string, string> {
  const extensions = new Map<string, string>();
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'X509v3 extensions:');
  for (let i = start + 1; i > 0 && i < lines.length; i++) {
    const header = /^ {12}(X509v3 [^:]+|[A-Za-z][^:]*):( critical)?\s*$/.exec(lines[i]);
    if (!header) {
      if (/^ {4}\S/.test(lines[i])) break; // "    Signature Algorithm": the extensions ended
      continue;
    }
    const values: string[] = [];
    while (i + 1 < lines.length && /^ {16}/.test(lines[i + 1])) values.push(lines[++i].trim());
    extensions.set(header[2] ? `${header[1]}:${header[2]}` : header[1], values.join(' '));
  }
  return extensions;
}

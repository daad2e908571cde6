/**
 * Certificate signings per second, ECDSA P-256 and RSA-2048:
 *
 * - through the project's path: `ca.signCsr()` on a CA whose root has that algorithm, in the
 *   embedded setup (PGlite in memory). Each signing parses and verifies a CSR, checks its SANs,
 *   builds the certificate (forge ASN.1, native signature) and records its CertificateIssued
 *   event in the log. The leaf keys and their CSRs are made before the clock starts (a pool
 *   reused round-robin), so key generation is not what is measured.
 * - through node-forge alone: `forge.pki.createCertificate()` … `cert.sign()` with forge RSA keys,
 *   for comparison. ECDSA has no row there: node-forge 1.x has no ECDSA certificate support (its
 *   X.509 code reads and writes RSA keys only).
 *
 * `runCaBench(durationMs)` measures each row for `durationMs`; `caBenchTable(report)` renders it.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createCa, createCsr, generateKeyPair, type KeyAlgorithm } from '@meshgate/ca';
import { openEventStore } from '@meshgate/eventlog';
import forge from 'node-forge';

import { formatGrid } from './table.js';

export interface CaBenchRow {
  path: 'meshgate signCsr' | 'node-forge alone';
  algorithm: 'ECDSA P-256' | 'RSA-2048';
  /** null when the path cannot sign with that algorithm (see `note`). */
  signingsPerSecond: number | null;
  signings: number;
  seconds: number;
  note: string;
}

export interface CaBenchReport {
  durationMs: number;
  /** signCsr calls kept in flight on the project's path. */
  concurrency: number;
  /** Distinct CSRs (and leaf keys) made before measuring. */
  csrPool: number;
  rows: CaBenchRow[];
  goal: { 'ECDSA P-256': number; 'RSA-2048': number };
}

const CONCURRENCY = 64;
const CSR_POOL = 64;
/** Signings before the clock starts: the JIT and the embedded database reach their steady state. */
const WARM_UP = 2000;
export const CA_BENCH_GOAL = { 'ECDSA P-256': 2000, 'RSA-2048': 500 } as const;

const ALGORITHMS: { name: CaBenchRow['algorithm']; key: KeyAlgorithm }[] = [
  { name: 'ECDSA P-256', key: 'ECDSA_P256' },
  { name: 'RSA-2048', key: 'RSA_2048' },
];

async function projectPath(algorithm: (typeof ALGORITHMS)[number], durationMs: number): Promise<CaBenchRow> {
  const store = await openEventStore({ memory: true });
  const ca = await createCa({ store, encryptionKey: randomBytes(32), trustDomain: 'cluster.local', rootKeyAlgorithm: algorithm.key });
  try {
    const pool = await Promise.all(
      Array.from({ length: CSR_POOL }, async (_, i) =>
        createCsr({ ...(await generateKeyPair(algorithm.key)), dnsNames: [`svc-${i}.bench.cluster.local`], uris: [`spiffe://cluster.local/ns/bench/sa/svc-${i}`] }),
      ),
    );
    let next = 0;
    const signOne = () => ca.signCsr({ csrPem: pool[next++ % pool.length], validity: '24h', reason: 'csr' });
    const inFlight = (worker: () => Promise<void>) => Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await inFlight(async () => {
      for (let i = 0; i < WARM_UP / CONCURRENCY; i++) await signOne();
    });

    let signings = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    await inFlight(async () => {
      while (performance.now() < deadline) {
        await signOne();
        signings++;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      path: 'meshgate signCsr',
      algorithm: algorithm.name,
      signingsPerSecond: Math.round(signings / seconds),
      signings,
      seconds: round(seconds),
      note: `CSRs signed (${CSR_POOL} keys/CSRs made beforehand: no key generation measured), CSR verified, event recorded in PGlite; ${CONCURRENCY} in flight, after ${WARM_UP} warm-up signings`,
    };
  } finally {
    await ca.close();
    await store.close();
  }
}

function forgeAlone(durationMs: number): CaBenchRow {
  // forge generates RSA keys with node's crypto when it can; signing is forge's own JavaScript.
  const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const leafKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const issuer = [{ name: 'commonName', value: 'forge bench root' }];
  let signings = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  while (performance.now() < deadline) {
    const cert = forge.pki.createCertificate();
    cert.publicKey = leafKeys.publicKey;
    cert.serialNumber = '00' + randomBytes(16).toString('hex');
    cert.validity.notBefore = new Date();
    cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
    cert.setSubject([{ name: 'commonName', value: `svc-${signings}.bench.cluster.local` }]);
    cert.setIssuer(issuer);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: `svc-${signings}.bench.cluster.local` }, { type: 6, value: `spiffe://cluster.local/ns/bench/sa/svc-${signings}` }] },
    ]);
    cert.sign(caKeys.privateKey, forge.md.sha256.create());
    signings++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { path: 'node-forge alone', algorithm: 'RSA-2048', signingsPerSecond: Math.round(signings / seconds), signings, seconds: round(seconds), note: 'forge RSA keys, cert.sign() in JavaScript, no CSR, no event' };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export async function runCaBench(durationMs: number): Promise<CaBenchReport> {
  const rows: CaBenchRow[] = [];
  for (const algorithm of ALGORITHMS) rows.push(await projectPath(algorithm, durationMs));
  rows.push({
    path: 'node-forge alone',
    algorithm: 'ECDSA P-256',
    signingsPerSecond: null,
    signings: 0,
    seconds: 0,
    note: 'n/a: node-forge 1.x has no ECDSA certificate support (its X.509 code handles RSA keys only)',
  });
  rows.push(forgeAlone(durationMs));
  return { durationMs, concurrency: CONCURRENCY, csrPool: CSR_POOL, rows, goal: { ...CA_BENCH_GOAL } };
}

/** A plain-text table of the report, with the goal next to the project's figures. */
export function caBenchTable(report: CaBenchReport): string {
  const header = ['path', 'algorithm', 'signings/s', 'goal', 'signings', 'note'];
  const cells = report.rows.map((r) => [
    r.path,
    r.algorithm,
    r.signingsPerSecond === null ? 'n/a' : String(r.signingsPerSecond),
    r.path === 'meshgate signCsr' ? `≥ ${report.goal[r.algorithm]}` : '',
    String(r.signings),
    r.note,
  ]);
  return formatGrid(header, cells);
}

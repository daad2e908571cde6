/**
 * Certificates made by openssl, with the command lines seed 002 uses (a self-signed CA, a CSR,
 * a leaf signed by the CA), in a temporary directory removed at once. EC P-256 keys: the same
 * steps, far cheaper on a shared machine than rsa:2048.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PemPair {
  keyPem: string;
  certPem: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshgate-tls-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl req -x509 … -subj '/O=example Inc./CN=example.com'`: a self-signed CA. */
export function opensslCa(subject = '/O=example Inc./CN=example.com', days = 365): PemPair {
  return inTempDir((dir) => {
    const key = path.join(dir, 'ca.key');
    const cert = path.join(dir, 'ca.crt');
    execFileSync('openssl', ['req', '-x509', '-sha256', '-nodes', '-days', String(days), ...EC_KEY, '-subj', subject, '-keyout', key, '-out', cert], { stdio: 'pipe' });
    return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
  });
}

/** `openssl req -out X.csr -newkey … -subj "/CN=host/O=…"` then `openssl x509 -req -CA … -set_serial N`. */
export function opensslLeaf(ca: PemPair, commonName: string, serial = 0, days = 365): PemPair {
  return inTempDir((dir) => {
    const file = (name: string) => path.join(dir, name);
    writeFileSync(file('ca.key'), ca.keyPem);
    writeFileSync(file('ca.crt'), ca.certPem);
    execFileSync('openssl', ['req', '-out', file('leaf.csr'), ...EC_KEY, '-nodes', '-keyout', file('leaf.key'), '-subj', `/CN=${commonName}/O=${commonName} organization`], { stdio: 'pipe' });
    execFileSync('openssl', ['x509', '-req', '-days', String(days), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', String(serial), '-in', file('leaf.csr'), '-out', file('leaf.crt')], { stdio: 'pipe' });
    return { keyPem: readFileSync(file('leaf.key'), 'utf8'), certPem: readFileSync(file('leaf.crt'), 'utf8') };
  });
}

/** `openssl verify -CAfile ca.crt leaf.crt` succeeds. */
export function opensslVerifies(caPem: string, certPem: string): boolean {
  return inTempDir((dir) => {
    writeFileSync(path.join(dir, 'ca.crt'), caPem);
    writeFileSync(path.join(dir, 'leaf.crt'), certPem);
    try {
      execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, 'leaf.crt')], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  });
}

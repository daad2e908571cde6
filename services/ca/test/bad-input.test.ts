/**
 * Bad input gets a clear CaError naming the field, and nothing is written: the event count is
 * the same before and after every refused request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CaError, type IssueRequest, type KeyAlgorithm, type SignCsrRequest } from '../src/types.js';
import { openTestCa, opensslOk, tempDir, type TempDir, type TestCa } from './helpers.js';

let t: TestCa;
let dir: TempDir;
before(async () => {
  t = await openTestCa();
  dir = await tempDir();
});
after(async () => {
  await t?.close();
  await dir?.remove();
});

/** A CSR made by openssl with the given SAN extension value (none when empty). */
async function opensslCsr(name: string, san: string, newkey: string[] = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], extra: string[] = []): Promise<string> {
  const out = dir.file(`${name}.csr`);
  await opensslOk(['req', '-new', ...newkey, '-nodes', '-keyout', dir.file(`${name}.key`), '-out', out, '-subj', '/CN=test', ...(san ? ['-addext', `subjectAltName=${san}`] : []), ...extra]);
  return opensslOk(['req', '-in', out]);
}

interface Refusal {
  code: CaError['code'];
  field: string;
  message?: RegExp;
}

/** The request is refused as expected, and the log did not grow. */
async function assertRefused(request: () => Promise<unknown>, expected: Refusal): Promise<void> {
  const before = await t.store.countEvents();
  await assert.rejects(request(), (error: unknown) => {
    assert.ok(error instanceof CaError, `expected a CaError, got ${String(error)}`);
    assert.equal(error.code, expected.code, error.message);
    assert.equal(error.field, expected.field);
    if (expected.message) assert.match(error.message, expected.message);
    return true;
  });
  assert.equal(await t.store.countEvents(), before, 'a refused request writes no event');
}

function sign(csrPem: string, extra: Partial<SignCsrRequest> = {}) {
  return t.ca.signCsr({ csrPem, reason: 'csr', ...extra });
}

function issue(request: Partial<IssueRequest>) {
  return t.ca.issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' }, reason: 'api', ...request });
}

describe('CSRs', () => {
  test('malformed CSRs: not PEM, not DER, a certificate instead, cut short', async () => {
    const good = await opensslCsr('good', 'DNS:bookstore.bookstore.cluster.local');
    const der = Buffer.from(good.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const pem = (bytes: Buffer, label = 'CERTIFICATE REQUEST') => `-----BEGIN ${label}-----\n${bytes.toString('base64')}\n-----END ${label}-----\n`;
    const bundle = await t.ca.trustBundle();

    for (const [what, csrPem, message] of [
      ['plain text', 'hello, CA', /not a PEM "CERTIFICATE REQUEST"/],
      ['a certificate', bundle.pem, /not a PEM "CERTIFICATE REQUEST"/],
      ['random bytes', pem(Buffer.from('this is not DER at all')), /not valid DER/],
      ['truncated', pem(der.subarray(0, der.length - 20)), /not valid DER/],
      ['a DER sequence of the wrong shape', pem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), /malformed/],
    ] as const) {
      await assertRefused(() => sign(csrPem), { code: 'MG_ERR_CA_INVALID_CSR', field: 'csr', message }).catch((error: unknown) => {
        throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  });

  test('a CSR whose signature does not match its content', async () => {
    const good = await opensslCsr('tampered', 'DNS:bookstore.bookstore.cluster.local');
    const der = Buffer.from(good.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    // Change one letter of the requested name: still a well-formed CSR, no longer the one that was signed.
    const at = der.indexOf('bookstore.bookstore');
    assert.ok(at > 0);
    der[at] = 'c'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assertRefused(() => sign(tampered), { code: 'MG_ERR_CA_INVALID_CSR', field: 'csr', message: /signature does not verify/ });
  });

  test('SANs outside the trust domain are refused, naming the SAN', async () => {
    const cases = [
      ['DNS:bookstore.bookstore.cluster.local,DNS:evil.example.com', /DNS SAN "evil\.example\.com" is outside the trust domain/],
      ['DNS:cluster.local', /DNS SAN "cluster\.local" is outside the trust domain/],
      ['URI:spiffe://other.domain/ns/bookstore/sa/bookstore', /URI SAN "spiffe:\/\/other\.domain\/ns\/bookstore\/sa\/bookstore" is outside/],
      ['URI:https://cluster.local/ns/a/sa/b', /URI SAN "https:\/\/cluster\.local\/ns\/a\/sa\/b"/],
      ['DNS:bookstore.bookstore.cluster.local,IP:10.0.0.1', /SAN IP address 10\.0\.0\.1 is not allowed/],
      ['email:admin@cluster.local', /SAN e-mail admin@cluster\.local is not allowed/],
    ] as const;
    for (const [i, [san, message]] of cases.entries()) {
      const csrPem = await opensslCsr(`foreign-${i}`, san);
      await assertRefused(() => sign(csrPem), { code: 'MG_ERR_CA_FOREIGN_SAN', field: 'csr', message });
    }
  });

  test('a CSR asking for no SAN, a weak key or a SHA-1 signature', async () => {
    const noSan = await opensslCsr('no-san', '');
    await assertRefused(() => sign(noSan), { code: 'MG_ERR_CA_INVALID_CSR', field: 'csr', message: /requests no subjectAltName/ });
    const weakKey = await opensslCsr('rsa1024', 'DNS:a.b.cluster.local', ['-newkey', 'rsa:1024']);
    await assertRefused(() => sign(weakKey), { code: 'MG_ERR_CA_BAD_ALGORITHM', field: 'csr', message: /RSA-1024 is not accepted/ });
    const sha1 = await opensslCsr('sha1', 'DNS:a.b.cluster.local', undefined, ['-sha1']);
    await assertRefused(() => sign(sha1), { code: 'MG_ERR_CA_BAD_ALGORITHM', field: 'csr', message: /signature algorithm 1\.2\.840\.10045\.4\.1 is not accepted/ });
  });

  test('bad durations on a good CSR', async () => {
    const csrPem = await opensslCsr('durations', 'DNS:bookstore.bookstore.cluster.local');
    for (const validity of ['0', '0s', '-1h', '-30m', '1x', '24', 'h', 'abc', '1h-30m', '500ms']) {
      await assertRefused(() => sign(csrPem, { validity }), { code: 'MG_ERR_CA_BAD_DURATION', field: 'validity', message: new RegExp(`validity "${validity}"`) });
    }
  });
});

describe('issue', () => {
  test('zero, negative and malformed durations', async () => {
    for (const validity of ['0', '0h', '-24h', '-1s', 'forever', '1d', '24 h']) {
      await assertRefused(() => issue({ validity }), { code: 'MG_ERR_CA_BAD_DURATION', field: 'validity' });
    }
  });

  test('an unknown key algorithm', async () => {
    for (const keyAlgorithm of ['RSA_1024', 'ed25519', 'ECDSA_P384', 'ecdsa_p256']) {
      // A caller in JavaScript, or a decoded request, can pass any string: the CA checks.
      await assertRefused(() => issue({ keyAlgorithm: keyAlgorithm as KeyAlgorithm }), { code: 'MG_ERR_CA_BAD_ALGORITHM', field: 'keyAlgorithm', message: new RegExp(keyAlgorithm) });
    }
  });

  test('names outside the trust domain, invalid identities, and requests that are neither', async () => {
    await assertRefused(() => issue({ identity: undefined, dnsNames: ['ingress-nginx.ingress-nginx.cluster.local', 'www.example.com'] }), {
      code: 'MG_ERR_CA_FOREIGN_SAN',
      field: 'dnsNames[1]',
      message: /"www\.example\.com" is outside the trust domain/,
    });
    await assertRefused(() => issue({ identity: undefined, dnsNames: ['bad_name.default.cluster.local'] }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'dnsNames[0]' });
    await assertRefused(() => issue({ identity: { serviceAccount: 'bookbuyer', namespace: 'Book_Buyer' } }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'identity.namespace' });
    await assertRefused(() => issue({ identity: { serviceAccount: '', namespace: 'bookbuyer' } }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'identity.serviceAccount' });
    await assertRefused(() => issue({ identity: undefined }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'identity' });
    await assertRefused(() => issue({ dnsNames: ['a.b.cluster.local'] }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'identity', message: /either/ });
    await assertRefused(() => t.ca.issue({ identity: { serviceAccount: 'a', namespace: 'b' }, reason: 'because' as IssueRequest['reason'] }), { code: 'MG_ERR_CA_BAD_REQUEST', field: 'reason' });
  });

  test('after all that, a good request still works and writes exactly one event', async () => {
    const count = await t.store.countEvents();
    await issue({ validity: '1h' });
    assert.equal(await t.store.countEvents(), count + 1);
  });
});

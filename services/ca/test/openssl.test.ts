/**
 * Every kind of chain the CA issues, checked by the real openssl: `openssl verify` on the chain,
 * and the SANs and extensions read back from `openssl x509 -text`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadCaSettings } from '@meshgate/runtime';
import { caOptionsFromConfig } from '../src/settings.js';
import { generateKeyPair } from '../src/x509/algorithms.js';
import { createCsr } from '../src/x509/csr-builder.js';
import { certificateText, extensionsOf, openssl, openTestCa, opensslOk, tempDir, verifyChain, type TempDir, type TestCa } from './helpers.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

const bookbuyer = { serviceAccount: 'bookbuyer', namespace: 'bookbuyer' };

async function serialOf(pem: string): Promise<string> {
  const out = await opensslOk(['x509', '-noout', '-serial', '-in', await dir.write(`serial-${randomBytes(4).toString('hex')}.pem`, pem)]);
  return out.trim().replace(/^serial=/, '');
}

/** The leaf profile, as openssl reads it back. */
async function assertLeafProfile(pem: string, expected: { dns: string; uri?: string; signature: string; publicKey: string }) {
  const text = await certificateText(dir, pem);
  const extensions = extensionsOf(text);
  assert.equal(extensions.get('X509v3 Basic Constraints: critical'), 'CA:FALSE');
  assert.equal(extensions.get('X509v3 Key Usage: critical'), 'Digital Signature, Key Encipherment');
  assert.equal(extensions.get('X509v3 Extended Key Usage'), 'TLS Web Server Authentication, TLS Web Client Authentication');
  assert.equal(extensions.get('X509v3 Subject Alternative Name'), expected.uri ? `DNS:${expected.dns}, URI:${expected.uri}` : `DNS:${expected.dns}`);
  assert.ok(extensions.has('X509v3 Subject Key Identifier'), text);
  assert.ok(extensions.has('X509v3 Authority Key Identifier'), text);
  assert.match(text, new RegExp(`Signature Algorithm: ${expected.signature}`));
  assert.match(text, new RegExp(`Public Key Algorithm: ${expected.publicKey}`));
  // A random, positive, 128-bit serial: 32 hex digits with the top bit set.
  const serial = await serialOf(pem);
  assert.match(serial, /^[89A-F][0-9A-F]{31}$/);
  return { text, extensions };
}

describe('an ECDSA P-256 root (the default)', () => {
  let t: TestCa;
  const fixedNow = new Date(Math.floor(Date.now() / 1000) * 1000);
  before(async () => {
    t = await openTestCa({ now: () => fixedNow });
  });
  after(async () => {
    await t?.close();
  });

  test('the root is a CA for ten years: CA:TRUE and keyCertSign + cRLSign, both critical', async () => {
    const bundle = await t.ca.trustBundle();
    assert.equal(bundle.roots.length, 1);
    const text = await certificateText(dir, bundle.pem);
    const extensions = extensionsOf(text);
    assert.equal(extensions.get('X509v3 Basic Constraints: critical'), 'CA:TRUE');
    assert.equal(extensions.get('X509v3 Key Usage: critical'), 'Certificate Sign, CRL Sign');
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.equal(Date.parse(bundle.roots[0].notAfter) - fixedNow.getTime(), 87600 * 3600 * 1000);
    const root = await opensslOk(['verify', '-CAfile', await dir.write('ecdsa-root.pem', bundle.pem), dir.file('ecdsa-root.pem')]);
    assert.match(root, /OK/);
  });

  test('an identity leaf with an ECDSA key verifies and carries the DNS and SPIFFE SANs, key usages and validity asked for', async () => {
    const issued = await t.ca.issue({ identity: bookbuyer, validity: '1h30m', reason: 'api' });
    const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(issued.chainPem, '');
    const { text, extensions } = await assertLeafProfile(issued.certificatePem, {
      dns: 'bookbuyer.bookbuyer.cluster.local',
      uri: 'spiffe://cluster.local/ns/bookbuyer/sa/bookbuyer',
      signature: 'ecdsa-with-SHA256',
      publicKey: 'id-ecPublicKey',
    });
    assert.match(text, /Subject: CN ?= ?bookbuyer\.bookbuyer\.cluster\.local/);

    // The authority key identifier is the root's subject key identifier.
    const rootExtensions = extensionsOf(await certificateText(dir, issued.caPem));
    assert.equal(extensions.get('X509v3 Authority Key Identifier')?.replace(/^keyid:/, ''), rootExtensions.get('X509v3 Subject Key Identifier'));

    assert.equal(Date.parse(issued.info.notAfter) - fixedNow.getTime(), 90 * 60 * 1000);
    assert.equal(fixedNow.getTime() - Date.parse(issued.info.notBefore), 60 * 1000, 'backdated a minute for clock skew');
    const notAfter = /Not After : (.+)/.exec(text)?.[1];
    assert.equal(new Date(notAfter ?? '').toISOString(), issued.info.notAfter);
    assert.equal(issued.info.serialHex.toUpperCase(), await serialOf(issued.certificatePem));
    assert.match(issued.privateKeyPem ?? '', /^-----BEGIN PRIVATE KEY-----/);
  });

  test('a validity above the maximum is clamped to it (720h by default)', async () => {
    const issued = await t.ca.issue({ dnsNames: ['ingress-nginx.ingress-nginx.cluster.local'], validity: '10000h', reason: 'ingress-gateway' });
    assert.equal(Date.parse(issued.info.notAfter) - fixedNow.getTime(), 720 * 3600 * 1000);
    await assertLeafProfile(issued.certificatePem, { dns: 'ingress-nginx.ingress-nginx.cluster.local', signature: 'ecdsa-with-SHA256', publicKey: 'id-ecPublicKey' });
    const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
    assert.equal(result.code, 0, result.stderr);
  });

  test('a CSR made by `openssl req` (EC key, SAN extension) is signed and verifies; the leaf keeps the CSR key', async () => {
    const key = dir.file('csr-ec.key');
    const csrFile = dir.file('csr-ec.csr');
    await opensslOk([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csrFile,
      '-subj', '/CN=ignored-by-the-ca',
      '-addext', 'subjectAltName=DNS:bookstore.bookstore.cluster.local,URI:spiffe://cluster.local/ns/bookstore/sa/bookstore',
    ]);
    const csrPem = await opensslOk(['req', '-in', csrFile]);
    const issued = await t.ca.signCsr({ csrPem, validity: '24h', reason: 'csr' });
    assert.equal(issued.privateKeyPem, undefined, 'signCsr never returns a key');
    const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
    assert.equal(result.code, 0, result.stderr);
    await assertLeafProfile(issued.certificatePem, {
      dns: 'bookstore.bookstore.cluster.local',
      uri: 'spiffe://cluster.local/ns/bookstore/sa/bookstore',
      signature: 'ecdsa-with-SHA256',
      publicKey: 'id-ecPublicKey',
    });
    const leafKey = await opensslOk(['x509', '-noout', '-pubkey', '-in', await dir.write('csr-ec-leaf.pem', issued.certificatePem)]);
    const csrKey = await opensslOk(['pkey', '-pubout', '-in', key]);
    assert.equal(leafKey, csrKey);
  });

  test('a CSR with an RSA-2048 key from `openssl req` is signed too', async () => {
    const csrFile = dir.file('csr-rsa.csr');
    await opensslOk([
      'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', dir.file('csr-rsa.key'), '-out', csrFile,
      '-subj', '/CN=x', '-addext', 'subjectAltName=URI:spiffe://cluster.local/ns/default/sa/web',
    ]);
    const issued = await t.ca.signCsr({ csrPem: await opensslOk(['req', '-in', csrFile]), reason: 'csr' });
    const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
    assert.equal(result.code, 0, result.stderr);
    const text = await certificateText(dir, issued.certificatePem);
    assert.equal(extensionsOf(text).get('X509v3 Subject Alternative Name: critical'), 'URI:spiffe://cluster.local/ns/default/sa/web', 'an empty subject makes the SAN critical');
    assert.match(text, /Public Key Algorithm: rsaEncryption/);
  });

  test('createCsr makes CSRs that openssl verifies and the CA signs (EC and RSA keys)', async () => {
    for (const algorithm of ['ECDSA_P256', 'RSA_2048'] as const) {
      const keys = await generateKeyPair(algorithm);
      const csrPem = await createCsr({ ...keys, dnsNames: ['bookstore.bookstore.cluster.local'], uris: ['spiffe://cluster.local/ns/bookstore/sa/bookstore'], commonName: 'bookstore' });
      const checked = await openssl(['req', '-verify', '-noout', '-text', '-in', await dir.write(`built-${algorithm}.csr`, csrPem)]);
      assert.equal(checked.code, 0, checked.stderr);
      assert.match(checked.stderr + checked.stdout, /verify OK/i);
      assert.match(checked.stdout, /DNS:bookstore\.bookstore\.cluster\.local, URI:spiffe:\/\/cluster\.local\/ns\/bookstore\/sa\/bookstore/);
      const issued = await t.ca.signCsr({ csrPem, reason: 'csr' });
      assert.equal((await verifyChain(dir, issued.caPem, issued.certificatePem)).code, 0);
    }
  });

  test('a certificate from another CA (made by openssl) does not verify against the bundle', async () => {
    const otherKey = dir.file('other-root.key');
    const otherRoot = dir.file('other-root.pem');
    await opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', otherKey, '-out', otherRoot, '-days', '2', '-subj', '/CN=meshgate root CA cluster.local']);
    const leafCsr = dir.file('other-leaf.csr');
    await opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', dir.file('other-leaf.key'), '-out', leafCsr, '-subj', '/CN=bookbuyer.bookbuyer.cluster.local']);
    const leaf = dir.file('other-leaf.pem');
    await opensslOk(['x509', '-req', '-in', leafCsr, '-CA', otherRoot, '-CAkey', otherKey, '-set_serial', '7', '-days', '1', '-out', leaf]);

    const bundle = await t.ca.trustBundle();
    const foreign = await verifyChain(dir, bundle.pem, await opensslOk(['x509', '-in', leaf]));
    assert.notEqual(foreign.code, 0);
    assert.match(foreign.stderr + foreign.code, /unable to get local issuer certificate|certificate signature failure/);
    // …while the other CA's own root does vouch for it: the failure is about trust, not the file.
    const own = await verifyChain(dir, await opensslOk(['x509', '-in', otherRoot]), await opensslOk(['x509', '-in', leaf]));
    assert.equal(own.code, 0, own.stderr);
  });
});

describe('RSA roots', () => {
  test('an RSA-2048 root and an RSA-2048 leaf', async () => {
    const t = await openTestCa({ rootKeyAlgorithm: 'RSA_2048' });
    try {
      const issued = await t.ca.issue({ identity: bookbuyer, keyAlgorithm: 'RSA_2048', reason: 'api' });
      const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
      assert.equal(result.code, 0, result.stderr);
      await assertLeafProfile(issued.certificatePem, { dns: 'bookbuyer.bookbuyer.cluster.local', uri: 'spiffe://cluster.local/ns/bookbuyer/sa/bookbuyer', signature: 'sha256WithRSAEncryption', publicKey: 'rsaEncryption' });
      assert.match(await certificateText(dir, issued.caPem), /Public-Key: \(2048 bit\)/);
      assert.match(issued.privateKeyPem ?? '', /BEGIN PRIVATE KEY/);
    } finally {
      await t.close();
    }
  });

  test('an RSA-4096 root signs ECDSA and RSA-4096 leaves', async () => {
    const t = await openTestCa({ rootKeyAlgorithm: 'RSA_4096' });
    try {
      assert.match(await certificateText(dir, (await t.ca.trustBundle()).pem), /Public-Key: \(4096 bit\)/);
      for (const keyAlgorithm of ['ECDSA_P256', 'RSA_4096'] as const) {
        const issued = await t.ca.issue({ identity: bookbuyer, keyAlgorithm, reason: 'api' });
        const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
        assert.equal(result.code, 0, `${keyAlgorithm}: ${result.stderr}`);
        const text = await certificateText(dir, issued.certificatePem);
        assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
        assert.match(text, keyAlgorithm === 'RSA_4096' ? /Public-Key: \(4096 bit\)/ : /NIST CURVE: P-256/);
      }
    } finally {
      await t.close();
    }
  });
});

describe("an operator's root and intermediate, loaded from PEM files made by openssl", () => {
  let files: { root: string; rootKey: string; intermediate: string; intermediateKey: string };
  before(async () => {
    const ext = await dir.write('intermediate.ext', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    files = { root: dir.file('op-root.pem'), rootKey: dir.file('op-root.key'), intermediate: dir.file('op-int.pem'), intermediateKey: dir.file('op-int.key') };
    await opensslOk([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.rootKey, '-out', files.root, '-days', '30', '-subj', '/O=operator/CN=operator root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const csr = dir.file('op-int.csr');
    await opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.intermediateKey, '-out', csr, '-subj', '/O=operator/CN=operator intermediate']);
    await opensslOk(['x509', '-req', '-in', csr, '-CA', files.root, '-CAkey', files.rootKey, '-set_serial', '4242', '-days', '20', '-extfile', ext, '-out', files.intermediate]);
  });

  function settings(env: Record<string, string>) {
    return caOptionsFromConfig(
      { ca: loadCaSettings({ MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('hex'), ...env }), trustDomain: 'cluster.local', dataDir: dir.path },
      { allowGeneratedEncryptionKey: false },
    );
  }

  test('an intermediate (MESHGATE_CA_CERT_FILE/KEY_FILE) with its root (MESHGATE_CA_CHAIN_FILE): leaves verify with -untrusted chain', async () => {
    const t = await openTestCa(settings({ MESHGATE_CA_CERT_FILE: files.intermediate, MESHGATE_CA_KEY_FILE: files.intermediateKey, MESHGATE_CA_CHAIN_FILE: files.root }));
    try {
      const bundle = await t.ca.trustBundle();
      assert.equal(bundle.roots.length, 1);
      assert.equal(bundle.pem, await opensslOk(['x509', '-in', files.root]), 'the bundle is the operator root');

      const issued = await t.ca.issue({ identity: bookbuyer, reason: 'api' });
      assert.equal(issued.chainPem, await opensslOk(['x509', '-in', files.intermediate]), 'the chain is the intermediate');
      const result = await verifyChain(dir, bundle.pem, issued.certificatePem, issued.chainPem);
      assert.equal(result.code, 0, result.stderr);
      const withoutChain = await verifyChain(dir, bundle.pem, issued.certificatePem);
      assert.notEqual(withoutChain.code, 0, 'without the intermediate the leaf does not reach the root');
      const text = await certificateText(dir, issued.certificatePem);
      assert.match(text, /Issuer: O ?= ?operator, CN ?= ?operator intermediate/);
    } finally {
      await t.close();
    }
  });

  test('a self-signed operator root alone (MESHGATE_CA_CERT_FILE + KEY_FILE)', async () => {
    const t = await openTestCa(settings({ MESHGATE_CA_CERT_FILE: files.root, MESHGATE_CA_KEY_FILE: files.rootKey }));
    try {
      const issued = await t.ca.issue({ dnsNames: ['ingress-nginx.ingress-nginx.cluster.local'], reason: 'ingress-gateway' });
      assert.equal(issued.chainPem, '');
      const result = await verifyChain(dir, issued.caPem, issued.certificatePem);
      assert.equal(result.code, 0, result.stderr);
      assert.match(await certificateText(dir, issued.certificatePem), /Signature Algorithm: sha256WithRSAEncryption/);
    } finally {
      await t.close();
    }
  });

  test('an intermediate without its chain, or with a key that is not its own, is refused at start-up', () => {
    assert.throws(() => settings({ MESHGATE_CA_CERT_FILE: files.intermediate, MESHGATE_CA_KEY_FILE: files.intermediateKey }), {
      code: 'MG_ERR_CA_CONFIG',
      field: 'MESHGATE_CA_CHAIN_FILE',
    });
    assert.throws(() => settings({ MESHGATE_CA_CERT_FILE: files.root }), { code: 'MG_ERR_CA_CONFIG', field: 'MESHGATE_CA_KEY_FILE' });
    return assert.rejects(openTestCa(settings({ MESHGATE_CA_CERT_FILE: files.root, MESHGATE_CA_KEY_FILE: files.intermediateKey })), {
      code: 'MG_ERR_CA_CONFIG',
      message: /private key does not belong to the certificate/,
    });
  });
});

/**
 * Credential lookup data: TLS problems found with node:crypto on openssl-made certificates, and
 * Istio's three layouts for `credentialName` resolved in the gateway workload's namespace.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initialState, stateKey, type SecretObject } from '@meshgate/model';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { keyDigestsOf } from '../src/index.js';
import { credentialServable, resolveCredentialSdsName, resolveGatewayCredential, tlsProblems } from '@meshgate/secrets/credentials';

function payload(entries: Record<string, string>): Map<string, Buffer> {
  return new Map(Object.entries(entries).map(([key, value]) => [key, Buffer.from(value)]));
}

function secret(namespace: string, name: string, entries: Record<string, string>, type = 'Opaque'): SecretObject {
  const data = payload(entries);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: {}, annotations: {} }, type, data: keyDigestsOf(data), problems: tlsProblems(data) };
}

function secretsOf(...objects: SecretObject[]): Map<string, SecretObject> {
  const state = initialState();
  for (const object of objects) state.byKind.Secret.set(stateKey(object.metadata.namespace, object.metadata.name), object);
  return state.byKind.Secret;
}

let ca: PemPair;
let leaf: PemPair;
let other: PemPair;
before(() => {
  ca = opensslCa();
  leaf = opensslLeaf(ca, 'httpbin.example.com', 0);
  other = opensslLeaf(ca, 'helloworld-v1.example.com', 1);
});

describe('tlsProblems', () => {
  it('finds nothing wrong with a matching key and certificate, or with a payload holding no TLS keys', () => {
    assert.deepEqual(tlsProblems(payload({ 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': ca.certPem })), []);
    assert.deepEqual(tlsProblems(payload({ cert: leaf.certPem, key: leaf.keyPem, cacert: ca.certPem })), []);
    assert.deepEqual(tlsProblems(payload({ password: 'hunter2' })), []);
  });

  it('names malformed PEM, a key that does not match, a missing half and expiry — never the bytes', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'tls.crt': 'not pem', 'tls.key': leaf.keyPem }, /^tls\.crt: no PEM certificate/],
      [{ 'tls.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'tls.key': leaf.keyPem }, /^tls\.crt: certificate 1 of 1 does not parse/],
      [{ 'tls.crt': leaf.certPem, 'tls.key': 'garbage' }, /^tls\.key: not a PEM private key/],
      [{ 'tls.crt': leaf.certPem, 'tls.key': other.keyPem }, /^tls\.key does not match the certificate in tls\.crt$/],
      [{ 'tls.crt': leaf.certPem }, /^tls\.crt without tls\.key$/],
      [{ 'ca.crt': 'junk' }, /^ca\.crt: no PEM certificate/],
    ];
    for (const [entries, expected] of cases) {
      const problems = tlsProblems(payload(entries));
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0], expected);
      for (const value of Object.values(entries)) assert.ok(!problems[0].includes(value.trim().slice(0, 40)), 'no value in the message');
    }
    const inTwoYears = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
    assert.deepEqual(
      tlsProblems(payload({ 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }), inTwoYears).map((p) => p.replace(/on .*/, 'on …')),
      ['tls.crt: the certificate expired on …'],
    );
  });
});

describe('resolveGatewayCredential: the three layouts, in the gateway workload’s namespace', () => {
  it('tls.key/tls.crt (+ ca.crt for MUTUAL)', () => {
    const secrets = secretsOf(secret('istio-system', 'httpbin-credential', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': ca.certPem }));
    assert.deepEqual(resolveGatewayCredential(secrets, 'istio-system', 'httpbin-credential', { mutual: true }), {
      certificate: { kind: 'certificate', sdsName: 'kubernetes://httpbin-credential', secret: { namespace: 'istio-system', name: 'httpbin-credential' }, certificateKey: 'tls.crt', privateKeyKey: 'tls.key' },
      validation: { kind: 'validation', sdsName: 'kubernetes://httpbin-credential-cacert', secret: { namespace: 'istio-system', name: 'httpbin-credential' }, caKey: 'ca.crt' },
      problems: [],
    });
  });

  it('generic key/cert (+ cacert)', () => {
    const secrets = secretsOf(secret('istio-system', 'httpbin-credential', { cert: leaf.certPem, key: leaf.keyPem, cacert: ca.certPem }));
    const resolved = resolveGatewayCredential(secrets, 'istio-system', 'httpbin-credential', { mutual: true });
    assert.equal(resolved.certificate?.certificateKey, 'cert');
    assert.equal(resolved.certificate?.privateKeyKey, 'key');
    assert.equal(resolved.validation?.caKey, 'cacert');
    assert.deepEqual(resolved.problems, []);
  });

  it('a separate NAME-cacert Secret holding the CA (seed 001: --from-file=ca.crt=trusted.crt)', () => {
    const secrets = secretsOf(
      secret('istio-system', 'gw-secret', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }, 'kubernetes.io/tls'),
      secret('istio-system', 'gw-secret-cacert', { 'ca.crt': ca.certPem }),
    );
    const resolved = resolveGatewayCredential(secrets, 'istio-system', 'gw-secret', { mutual: true });
    assert.deepEqual(resolved.validation?.secret, { namespace: 'istio-system', name: 'gw-secret-cacert' });
    assert.deepEqual(resolved.problems, []);
    assert.deepEqual(resolveCredentialSdsName(secrets, 'istio-system', 'kubernetes://gw-secret-cacert'), resolved.validation);
    assert.deepEqual(resolveCredentialSdsName(secrets, 'istio-system', 'gw-secret'), { ...resolved.certificate, sdsName: 'gw-secret' });
    assert.equal(credentialServable(secrets, 'ingress-gateway', 'istio-system', 'kubernetes://gw-secret-cacert'), true);
    assert.equal(credentialServable(secrets, 'sidecar', 'istio-system', 'kubernetes://gw-secret'), false, 'never to a sidecar');
    assert.equal(credentialServable(secrets, 'ingress-gateway', 'httptools', 'kubernetes://gw-secret'), false, 'never from another namespace');
  });

  it('says why when it cannot be served: missing, wrong namespace, no usable keys, malformed, no CA', () => {
    const secrets = secretsOf(
      secret('istio-system', 'mismatched', { 'tls.crt': leaf.certPem, 'tls.key': other.keyPem }),
      secret('istio-system', 'opaque', { password: 'x' }),
      secret('httptools', 'elsewhere', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }),
    );
    const problems = (name: string, mutual = false) => resolveGatewayCredential(secrets, 'istio-system', name, { mutual }).problems;
    assert.match(problems('absent')[0], /^Secret istio-system\/absent not found/);
    assert.match(problems('elsewhere')[0], /^Secret istio-system\/elsewhere not found \(a gateway's credential is read in the gateway workload's namespace\)/);
    assert.match(problems('opaque')[0], /holds neither tls\.crt and tls\.key nor cert and key/);
    assert.match(problems('mismatched')[0], /tls\.key does not match the certificate in tls\.crt/);
    assert.equal(resolveGatewayCredential(secrets, 'istio-system', 'mismatched', { mutual: false }).certificate, undefined);
    const secretsWithLeaf = secretsOf(secret('istio-system', 'simple', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }));
    const noCa = resolveGatewayCredential(secretsWithLeaf, 'istio-system', 'simple', { mutual: true });
    assert.ok(noCa.certificate);
    assert.deepEqual(noCa.problems, ['no CA certificate for MUTUAL: Secret istio-system/simple has no ca.crt or cacert; Secret istio-system/simple-cacert not found']);
    assert.deepEqual(resolveCredentialSdsName(secretsWithLeaf, 'istio-system', 'kubernetes://other-ns/simple'), { problem: '"kubernetes://other-ns/simple" is not a credential name of the proxy\'s namespace' });
  });
});

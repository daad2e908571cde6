/**
 * Applying Secrets over REST, on PGlite: the payload goes to the encrypted secret store before
 * the event; the log, the resource reads, the logs and the errors hold key names and digests
 * only; identical is `unchanged`, changed is `configured`; delete removes the payload.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppliedSecretPayloads, payloadDigestOf, SecretCipher } from '@meshgate/secrets';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { yamlRequest } from './fixtures.js';
import { startHarness, storeWithOverrides, storeWithRoundTrips, type Harness } from './harness.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function tlsSecret(name: string, pair: PemPair, extra = ''): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: istio-system\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(pair.certPem)}\n  tls.key: ${b64(pair.keyPem)}\n${extra}`;
}

interface SecretBody {
  kind: string;
  type: string;
  data: Record<string, { sha256: string; bytes: number }>;
  problems: string[];
}

describe('applying Secrets', () => {
  let h: Harness;
  let payloads: AppliedSecretPayloads;
  let ca: PemPair;
  let leaf: PemPair;
  let rotated: PemPair;
  before(async () => {
    ca = opensslCa();
    leaf = opensslLeaf(ca, 'httpbin.example.com', 0);
    rotated = opensslLeaf(ca, 'httpbin.example.com', 1);
    const { openEventStore } = await import('@meshgate/eventlog');
    const store = await openEventStore({ memory: true });
    payloads = new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) });
    h = await startHarness({ store, consumeChanges: false, secretPayloads: payloads });
  });
  after(async () => {
    const store = h.store;
    await h.close();
    await store.close();
  });

  it('created: the resource shows key names, digests and sizes; the payload is in the secret store, never in the log', async () => {
    const applied = await h.inject(yamlRequest(tlsSecret('httpbin-credential', leaf)));
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json<{ results: unknown[] }>().results, [{ kind: 'Secret', namespace: 'istio-system', name: 'httpbin-credential', action: 'created' }]);

    const read = await h.inject({ method: 'GET', url: '/v1/resources/secrets/istio-system/httpbin-credential' });
    assert.equal(read.statusCode, 200, read.body);
    const body = read.json<SecretBody>();
    assert.equal(body.type, 'kubernetes.io/tls');
    assert.deepEqual(body.data, {
      'tls.crt': { sha256: sha256(leaf.certPem), bytes: Buffer.byteLength(leaf.certPem) },
      'tls.key': { sha256: sha256(leaf.keyPem), bytes: Buffer.byteLength(leaf.keyPem) },
    });
    assert.deepEqual(body.problems, []);
    assert.ok(!read.body.includes('PRIVATE KEY') && !read.body.includes(b64(leaf.keyPem).slice(0, 40)));

    const stored = await payloads.read({ namespace: 'istio-system', name: 'httpbin-credential' }, payloadDigestOf(body.data));
    assert.equal(stored?.get('tls.key')?.toString(), leaf.keyPem);

    const events = JSON.stringify(await h.store.readStream('Secret/istio-system/httpbin-credential'));
    assert.ok(!events.includes('PRIVATE KEY') && !events.includes(b64(leaf.keyPem).slice(0, 40)) && events.includes(sha256(leaf.keyPem)));
  });

  it('the same Secret again is unchanged (nothing appended); a new certificate is configured and replaces the old payload', async () => {
    const before = await h.store.countEvents();
    const again = await h.inject(yamlRequest(tlsSecret('httpbin-credential', leaf)));
    assert.equal(again.json<{ results: { action: string }[] }>().results[0].action, 'unchanged');
    assert.equal(await h.store.countEvents(), before);

    const rotation = await h.inject(yamlRequest(tlsSecret('httpbin-credential', rotated)));
    assert.equal(rotation.json<{ results: { action: string }[] }>().results[0].action, 'configured');
    const rows = await h.store.listSecrets('kubernetes-secret/istio-system/httpbin-credential/');
    assert.equal(rows.length, 1, 'only the current version is kept');
    const current = (await h.inject({ method: 'GET', url: '/v1/resources/secrets/istio-system/httpbin-credential' })).json<SecretBody>();
    assert.equal(rows[0].name.endsWith(payloadDigestOf(current.data)), true);
    assert.equal(current.data['tls.crt'].sha256, sha256(rotated.certPem));
  });

  it('stringData is taken like data; a malformed credential is accepted with its problems recorded', async () => {
    const applied = await h.inject(
      yamlRequest(`apiVersion: v1\nkind: Secret\nmetadata: {name: mismatched, namespace: istio-system}\nstringData:\n  tls.crt: |\n${indent(leaf.certPem)}\n  tls.key: |\n${indent(rotated.keyPem)}\n`),
    );
    assert.equal(applied.statusCode, 200, applied.body);
    const body = (await h.inject({ method: 'GET', url: '/v1/resources/secrets/istio-system/mismatched' })).json<SecretBody>();
    assert.equal(body.type, 'Opaque');
    assert.deepEqual(body.problems, ['tls.key does not match the certificate in tls.crt']);
  });

  it('refuses bad input with the field path, echoing no value, writing nothing', async () => {
    const before = await h.store.countEvents();
    const rowsBefore = (await h.store.listSecrets('')).length;
    const response = await h.inject(yamlRequest(`apiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: istio-system}\ndata:\n  tls.key: "c3VwZXItc2VjcmV0@"\n  good: ${b64('fine')}\n`));
    assert.equal(response.statusCode, 422);
    assert.deepEqual(
      response.json<{ errors: { path: string; message: string }[] }>().errors.map(({ path, message }) => `${path}: ${message}`),
      ['data["tls.key"]: not valid base64 (the value is not shown)'],
    );
    assert.ok(!response.body.includes('c3VwZXItc2VjcmV0'));
    assert.equal(await h.store.countEvents(), before);
    assert.equal((await h.store.listSecrets('')).length, rowsBefore);
  });

  it('a payload that cannot be stored fails the apply before any event is appended', async () => {
    const failing = await startHarness({
      consumeChanges: false,
      secretPayloads: new AppliedSecretPayloads({
        store: storeWithOverrides(h.store, { putSecret: () => Promise.reject(new Error('secrets table unavailable')) }),
        cipher: new SecretCipher(randomBytes(32)),
      }),
    });
    try {
      const response = await failing.inject(yamlRequest(tlsSecret('never-stored', leaf)));
      assert.equal(response.statusCode, 503, response.body);
      assert.match(response.body, /storing a Secret's payload in the secret store failed; nothing was written/);
      assert.ok(!response.body.includes('PRIVATE'));
      assert.equal(await failing.store.countEvents(), 0);
    } finally {
      await failing.close();
    }
  });

  it('delete removes the object and its payload', async () => {
    const response = await h.inject({ method: 'DELETE', url: '/v1/resources/secrets/istio-system/httpbin-credential' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(await h.store.listSecrets('kubernetes-secret/istio-system/httpbin-credential/'), []);
    assert.equal((await h.inject({ method: 'GET', url: '/v1/resources/secrets/istio-system/httpbin-credential' })).statusCode, 404);
  });

  it('no log line holds a value', () => {
    const logs = JSON.stringify(h.logs);
    assert.ok(!logs.includes('PRIVATE KEY') && !logs.includes(b64(leaf.keyPem).slice(0, 40)) && !logs.includes('c3VwZXItc2VjcmV0'));
  });
});

describe('concurrent applies of one Secret', () => {
  it('whichever wins, the log references a stored payload and no other version is left behind', async () => {
    const { openEventStore } = await import('@meshgate/eventlog');
    const raw = await openEventStore({ memory: true });
    // Every store call yields as a network round trip would, so that the two requests interleave.
    const store = storeWithRoundTrips(raw);
    const payloads = new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) });
    const r = await startHarness({ store, consumeChanges: false, secretPayloads: payloads });
    try {
      const ca = opensslCa();
      const versions = [opensslLeaf(ca, 'a.example.com', 1), opensslLeaf(ca, 'b.example.com', 2), opensslLeaf(ca, 'c.example.com', 3)];
      const responses = await Promise.all(versions.map((pair) => r.inject(yamlRequest(tlsSecret('contended', pair)))));
      for (const response of responses) assert.equal(response.statusCode, 200, response.body);
      const current = (await r.inject({ method: 'GET', url: '/v1/resources/secrets/istio-system/contended' })).json<SecretBody>();
      const rows = await raw.listSecrets('kubernetes-secret/istio-system/contended/');
      assert.deepEqual(
        rows.map((row) => row.name),
        [`kubernetes-secret/istio-system/contended/${payloadDigestOf(current.data)}`],
      );
      const stored = await payloads.read({ namespace: 'istio-system', name: 'contended' }, payloadDigestOf(current.data));
      assert.equal(sha256(stored?.get('tls.crt')?.toString() ?? ''), current.data['tls.crt'].sha256);
    } finally {
      await r.close();
      await raw.close();
    }
  });
});

function indent(pem: string): string {
  return pem
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

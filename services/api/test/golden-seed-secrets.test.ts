/**
 * The TLS goldens of seeds 001 and 002 (packages/compiler/test/golden/seed-00{1,2}-*) hold their
 * Secrets in the stored shape, with made-up digests. Here the same inputs go through the real api
 * (PGlite) with the Secrets made as the seeds make them — certificates by openssl, then the
 * `kubectl create secret tls|generic` equivalent — and the compiled gateway configuration must equal
 * the golden: compiled resources carry SDS names, never the bytes, so the goldens stay deterministic.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compileProxy, type ProxyNode } from '@meshgate/compiler';
import { parseDocuments, stateKey } from '@meshgate/model';
import { AppliedSecretPayloads, SecretCipher } from '@meshgate/secrets';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../packages/compiler/test/golden');
const OPTIONS = { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' };
const SEED_CASES = readdirSync(GOLDEN_DIR)
  .filter((name) => /^seed-00[12]-/.test(name))
  .filter((name) => readFileSync(path.join(GOLDEN_DIR, name, 'input.yaml'), 'utf8').includes('kind: Secret'))
  .sort();

const KEY_KEYS = new Set(['tls.key', 'key', 'client.key']);
const CERT_KEYS = new Set(['tls.crt', 'cert', 'client.crt']);
const CA_KEYS = new Set(['ca.crt', 'cacert', 'trusted.crt']);

interface StoredSecret {
  kind: 'Secret';
  metadata: { name: string; namespace: string };
  type: string;
  data: Record<string, unknown>;
}

/** The Secret `kubectl create secret` would send for a stored-shape one: the same keys, openssl's PEM for each. */
function realSecret(stored: StoredSecret, ca: PemPair, leaf: PemPair): string {
  const pem = (key: string): string => {
    if (KEY_KEYS.has(key)) return leaf.keyPem;
    if (CERT_KEYS.has(key)) return leaf.certPem;
    if (CA_KEYS.has(key)) return ca.certPem;
    throw new Error(`no certificate for key ${key} of Secret ${stored.metadata.name}`);
  };
  const data = Object.keys(stored.data)
    .map((key) => `  ${key}: ${Buffer.from(pem(key)).toString('base64')}\n`)
    .join('');
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${stored.metadata.name}\n  namespace: ${stored.metadata.namespace}\ntype: ${stored.type}\ndata:\n${data}`;
}

describe('seed goldens with openssl certificates through the api', () => {
  let ca: PemPair;
  let leaf: PemPair;
  before(() => {
    // As seed 002: a self-signed example.com CA, and a leaf it signs.
    ca = opensslCa('/O=example Inc./CN=example.com');
    leaf = opensslLeaf(ca, 'httpbin.example.com', 0);
  });

  it('covers the TLS steps of seeds 001 and 002', () => {
    assert.ok(SEED_CASES.includes('seed-001-mutual-cacert') && SEED_CASES.includes('seed-002-passthrough'), SEED_CASES.join(', '));
  });

  for (const name of SEED_CASES) {
    describe(name, () => {
      let h: Harness;
      before(async () => {
        const { openEventStore } = await import('@meshgate/eventlog');
        const store = await openEventStore({ memory: true });
        h = await startHarness({ store, consumeChanges: false, secretPayloads: new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) }) });
      });
      after(async () => {
        const store = h.store;
        await h.close();
        await store.close();
      });

      it('applies with real Secrets, no credential warning, and compiles to the golden', async () => {
        const dir = path.join(GOLDEN_DIR, name);
        const parsed = parseDocuments(readFileSync(path.join(dir, 'input.yaml'), 'utf8'));
        assert.ok(parsed.ok);
        const secrets: StoredSecret[] = [];
        // The gateway workload, as the watcher ingests it from the seed's cluster: credentials
        // resolve in its namespace (istio-system), not in the Gateway object's.
        const node = JSON.parse(readFileSync(path.join(dir, 'node.json'), 'utf8')) as ProxyNode;
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: node.id.split('.')[0], namespace: node.namespace, labels: node.labels },
          spec: { serviceAccountName: node.serviceAccount, containers: [{ name: 'istio-proxy' }] },
        };
        const workload = await h.inject({ method: 'POST', url: '/v1/apply', payload: JSON.stringify(pod), headers: { 'content-type': 'application/json' } });
        assert.equal(workload.statusCode, 200, workload.body);
        // One document a request, in the file's order, as the seed applies them step by step.
        for (const document of parsed.documents) {
          const record = document as Record<string, unknown>;
          const body = record.kind === 'Secret' ? realSecret(document as StoredSecret, ca, leaf) : JSON.stringify(document);
          if (record.kind === 'Secret') secrets.push(document as StoredSecret);
          const response = await h.inject(record.kind === 'Secret' ? yamlRequest(body) : { method: 'POST', url: '/v1/apply', payload: body, headers: { 'content-type': 'application/json' } });
          assert.equal(response.statusCode, 200, response.body);
          assert.ok(!response.body.includes('IST0161'), response.body);
        }
        await h.follower.catchUp();
        const state = h.follower.current;
        for (const stored of secrets) {
          const applied = state.byKind.Secret.get(stateKey(stored.metadata.namespace, stored.metadata.name));
          assert.ok(applied, stored.metadata.name);
          assert.deepEqual(applied.problems, [], `${stored.metadata.name}: openssl's certificates are usable`);
          assert.deepEqual(Object.keys(applied.data).sort(), Object.keys(stored.data).sort());
        }
        const actual: unknown = JSON.parse(JSON.stringify(compileProxy(state, node, OPTIONS)));
        const expected: unknown = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
        assert.deepStrictEqual(actual, expected);
        assert.ok(!JSON.stringify(actual).includes('PRIVATE KEY') && !JSON.stringify(actual).includes('BEGIN CERTIFICATE'), 'SDS names, not bytes');
      });
    });
  }
});

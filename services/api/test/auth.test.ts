/**
 * Every api route but health, readiness, metrics and /docs needs a token with its scope. The
 * writes are called anonymously, with a malformed header, with an unknown token and with
 * tokens lacking `write`: each is refused (401/403) and nothing is written. The reads are found
 * in the OpenAPI document, so a route added later is checked too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Credentials, parseTokensFile } from '@meshgate/auth';
import { bearer, TEST_API_TOKEN, withToken } from '@meshgate/testkit';
import Fastify, { type InjectOptions } from 'fastify';
import { registerAuthorization } from '../src/auth.js';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

const READ_ONLY = 'read-only-token-0123456789abcdef';
const WRITE_ONLY = 'write-only-token-0123456789abcdef';
const CA_ADMIN = 'ca-admin-token-0123456789abcdef';
const UNKNOWN = 'unknown-token-0123456789abcdef';

const TOKENS = `
- name: reader
  token: ${READ_ONLY}
  scopes: [read]
- name: writer
  token: ${WRITE_ONLY}
  scopes: [write]
- name: ca-operator
  token: ${CA_ADMIN}
  scopes: [ca-admin, ca-issue]
`;

const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

/** Every write route, as a request that would succeed with the right token. */
const WRITES: { name: string; request: InjectOptions }[] = [
  { name: 'POST /v1/apply', request: yamlRequest(namespace('created-by-attacker')) },
  { name: 'POST /v1/apply?dryRun=true', request: { ...yamlRequest(namespace('dry-run-by-attacker')), url: '/v1/apply?dryRun=true' } },
  { name: 'DELETE /v1/resources/:kind/:namespace/:name', request: { method: 'DELETE', url: '/v1/resources/namespaces/_/kept' } },
];

/** Callers that must not write, with the status and the words their refusal carries. */
const INTRUDERS: { name: string; headers: Record<string, string>; status: number; message: RegExp }[] = [
  { name: 'anonymous', headers: {}, status: 401, message: /needs a token with the "write" scope/ },
  { name: 'a non-bearer scheme', headers: { authorization: `Basic ${Buffer.from(`x:${TEST_API_TOKEN}`).toString('base64')}` }, status: 401, message: /"write" scope/ },
  { name: 'an empty bearer', headers: { authorization: 'Bearer ' }, status: 401, message: /"write" scope/ },
  { name: 'an unknown token', headers: bearer(UNKNOWN), status: 403, message: /not valid for this server/ },
  { name: 'the API token with a character changed', headers: bearer(`${TEST_API_TOKEN.slice(0, -1)}X`), status: 403, message: /not valid for this server/ },
  { name: 'a read-only token', headers: bearer(READ_ONLY), status: 403, message: /"reader" lacks the "write" scope .*\(it has: read\)/ },
  { name: 'a ca-admin token', headers: bearer(CA_ADMIN), status: 403, message: /"ca-operator" lacks the "write" scope/ },
];

let h: Harness;
before(async () => {
  h = await startHarness({
    consumeChanges: false,
    credentials: Credentials.adminToken(TEST_API_TOKEN, parseTokensFile(TOKENS, 'tokens')),
    proxies: { list: () => [], config: () => undefined },
  });
  const seeded = await h.inject(yamlRequest(namespace('kept')));
  assert.equal(seeded.statusCode, 200, seeded.body);
});
after(async () => {
  await h?.close();
});

describe('writes without the write scope', () => {
  for (const write of WRITES) {
    for (const intruder of INTRUDERS) {
      it(`${write.name} by ${intruder.name}: ${intruder.status}, nothing written`, async () => {
        const head = await h.store.headSequence();
        const response = await h.app.inject({ ...write.request, headers: { ...write.request.headers, ...intruder.headers } });
        assert.equal(response.statusCode, intruder.status, response.body);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        const body = response.json<{ code: string; message: string }>();
        assert.equal(body.code, intruder.status === 401 ? 'MG_ERR_UNAUTHENTICATED' : 'MG_ERR_FORBIDDEN');
        assert.match(body.message, intruder.message);
        if (intruder.status === 401) assert.equal(response.headers['www-authenticate'], 'Bearer realm="meshgate"');
        else assert.equal(response.headers['www-authenticate'], undefined);
        assert.equal(await h.store.headSequence(), head, 'no event was written');
      });
    }
  }

  it('nothing the intruders sent is in the state; the object they tried to delete is', async () => {
    for (const name of ['created-by-attacker', 'dry-run-by-attacker']) assert.equal((await h.inject({ method: 'GET', url: `/v1/resources/namespaces/_/${name}` })).statusCode, 404, name);
    assert.equal((await h.inject({ method: 'GET', url: '/v1/resources/namespaces/_/kept' })).statusCode, 200);
  });

  it('a token with write (and not read) applies and deletes', async () => {
    const applied = await h.app.inject(withToken(yamlRequest(namespace('by-writer')), WRITE_ONLY));
    assert.equal(applied.statusCode, 200, applied.body);
    const deleted = await h.app.inject(withToken({ method: 'DELETE', url: '/v1/resources/namespaces/_/by-writer' }, WRITE_ONLY));
    assert.equal(deleted.statusCode, 200, deleted.body);
  });

  it('refuses before reading the body: an anonymous malformed or oversized apply is 401, not 400/413', async () => {
    const malformed = await h.app.inject({ method: 'POST', url: '/v1/apply', payload: 'a: [', headers: { 'content-type': 'application/yaml' } });
    assert.equal(malformed.statusCode, 401);
    const wrongType = await h.app.inject({ method: 'POST', url: '/v1/apply', payload: '<x/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(wrongType.statusCode, 401);
  });
});

describe('reads', () => {
  /** Every GET of the OpenAPI document, with path parameters filled in. */
  async function documentedReads(): Promise<string[]> {
    const document = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const samples: Record<string, string> = { kind: 'namespaces', namespace: '_', name: 'kept', id: 'gateway-1' };
    return Object.entries(document.paths)
      .filter(([, methods]) => 'get' in methods)
      .map(([path]) => path.replace(/\{(\w+)\}/g, (_match, name: string) => samples[name] ?? 'x'));
  }
  const OPEN = ['/healthz', '/readyz', '/metrics', '/v1/version'];

  it('every documented read but health, readiness, metrics and the version refuses anonymous calls (401) and write-only tokens (403)', async () => {
    const reads = (await documentedReads()).filter((url) => !OPEN.includes(url));
    for (const expected of ['/v1/resources', '/v1/events', '/v1/events/stream', '/v1/proxies', '/v1/compile']) assert.ok(reads.includes(expected), `${expected} is documented`);
    for (const url of reads) {
      const anonymous = await h.app.inject({ method: 'GET', url });
      assert.equal(anonymous.statusCode, 401, `${url}: ${anonymous.body}`);
      assert.match(anonymous.json<{ message: string }>().message, /"read" scope/);
      const writer = await h.app.inject({ method: 'GET', url, headers: bearer(WRITE_ONLY) });
      assert.equal(writer.statusCode, 403, url);
    }
  });

  it('a read-only token can GET but not apply', async () => {
    for (const url of ['/v1/resources', '/v1/resources/namespaces/_/kept', '/v1/events?after=0', '/v1/proxies', '/v1/compile']) {
      const response = await h.app.inject({ method: 'GET', url, headers: bearer(READ_ONLY) });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
    const head = await h.store.headSequence();
    const applied = await h.app.inject({ ...yamlRequest(namespace('by-reader')), headers: { 'content-type': 'application/yaml', ...bearer(READ_ONLY) } });
    assert.equal(applied.statusCode, 403);
    assert.equal(await h.store.headSequence(), head);
  });

  it('health, readiness, metrics, the version and the OpenAPI document stay open', async () => {
    for (const url of [...OPEN, '/docs', '/docs/json']) {
      const response = await h.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
    }
    const document = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ components: { securitySchemes: Record<string, unknown> } }>();
    assert.deepEqual(Object.keys(document.components.securitySchemes), ['bearer']);
  });

  it('an unknown path is a 404 for anyone: nothing to authenticate', async () => {
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/nothing' })).statusCode, 404);
  });
});

describe('the log', () => {
  it('holds no token, and names the refused caller by its token name only', async () => {
    await h.app.inject({ ...yamlRequest(namespace('logged')), headers: { 'content-type': 'application/yaml', ...bearer(READ_ONLY) } });
    const text = JSON.stringify(h.logs);
    for (const token of [TEST_API_TOKEN, READ_ONLY, WRITE_ONLY, CA_ADMIN, UNKNOWN]) assert.ok(!text.includes(token), 'a token is in the log');
    assert.match(text, /"reader" lacks the \\"write\\" scope|reader.*lacks/);
  });
});

describe('registerAuthorization', () => {
  it('refuses to build an app with a route that declares no scope', async () => {
    const app = Fastify();
    await assert.rejects(async () => {
      await app.register(async (guarded) => {
        registerAuthorization(guarded, Credentials.none());
        guarded.get('/v1/forgotten', async () => ({}));
      });
    }, /GET \/v1\/forgotten declares no scope/);
    await app.close();
  });
});

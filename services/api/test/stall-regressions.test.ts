/**
 * Named regressions for the requests that once froze the api (issue 7: 17–75 s stalls) or
 * answered 5xx: each is refused (or applied) with the right answer, nothing is written on a
 * refusal, and `/healthz`, probed over a real socket throughout, never goes unanswered for a
 * second. The second is a bound on a stall, not a performance figure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, STALL_BOUND_MS } from '@meshgate/testkit';
import { DEFAULT_INPUT_LIMITS } from '../src/input-limits.js';
import { eventually } from './harness.js';
import { listeningApi, postApply, whileProbing, type Answer, type ListeningApi } from './hostile.js';

const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: web\ndata:\n${data}`;
const keys = (count: number, value = 'v') => Array.from({ length: count }, (_, i) => `  k${i}: ${value}\n`).join('');

let api: ListeningApi;
before(async () => {
  api = await listeningApi({ bodyLimitBytes: 1024 * 1024 });
});
after(async () => {
  await api?.close();
});

/** Sends `body`, checks the stall bound and, for a refusal, that the log did not grow. */
async function send(body: string, contentType?: string): Promise<Answer> {
  const before = await api.h.store.countEvents();
  const { result, report } = await whileProbing(api.base, () => postApply(api.base, body, contentType));
  assert.deepEqual(report.failures, [], 'every /healthz probe answered 200');
  assert.ok(report.maxGapMs < STALL_BOUND_MS, `/healthz went unanswered for ${Math.round(report.maxGapMs)} ms`);
  assert.ok(result.status < 500, `no 5xx: ${JSON.stringify(result.body)}`);
  if (result.status !== 200) assert.equal(await api.h.store.countEvents(), before, 'a refused request writes no event');
  return result;
}

function assertLimit(answer: Answer, status: number, code: string, limit: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.code, code);
  assert.equal(answer.body.limit, limit);
  assert.equal(typeof answer.body.max, 'number');
  assert.match(String(answer.body.variable), /^MESHGATE_APPLY_/);
  assert.match(String(answer.body.message), new RegExp(`${limit} is ${String(answer.body.max)}`));
}

describe('YAML that once stalled the api', () => {
  it('a mapping of 60,000 keys is refused by maxKeysPerMapping', async () => {
    assertLimit(await send(configMap(keys(60_000))), 422, 'MG_ERR_LIMIT_EXCEEDED', 'maxKeysPerMapping');
  });

  it('a mapping of 9,999 keys in a 1 MiB body applies (duplicate keys are checked in linear time)', async () => {
    const answer = await send(configMap(keys(9_999, 'v'.repeat(80))));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  it('a duplicate key among 9,999 is refused as malformed, with its line', async () => {
    const answer = await send(configMap(`${keys(9_998)}  k17: again\n`));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, 'MG_ERR_MALFORMED');
    assert.equal(answer.body.line, 6 + 9_998 + 1);
    assert.match(String(answer.body.message), /unique/);
  });

  it('an 860 KB body whose aliases expand to 86 MB is refused by maxExpandedBytes', async () => {
    const body = configMap(`  a: &a "${'x'.repeat(860_000)}"\n  b: [${Array(99).fill('*a').join(', ')}]\n`);
    assertLimit(await send(body), 413, 'MG_ERR_TOO_LARGE', 'maxExpandedBytes');
  });

  it('more aliases than maxAliases are refused', async () => {
    const body = configMap(`  a: &a x\n  b: [${Array(DEFAULT_INPUT_LIMITS.maxAliases + 1).fill('*a').join(', ')}]\n`);
    assertLimit(await send(body), 422, 'MG_ERR_LIMIT_EXCEEDED', 'maxAliases');
  });

  it('nesting deeper than maxDepth is refused, in YAML and in JSON, however deep', async () => {
    for (const depth of [DEFAULT_INPUT_LIMITS.maxDepth + 1, 5_000, 200_000]) {
      assertLimit(await send(configMap(`  deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`)), 422, 'MG_ERR_LIMIT_EXCEEDED', 'maxDepth');
      const json = `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
      assertLimit(await send(json, 'application/json'), 422, 'MG_ERR_LIMIT_EXCEEDED', 'maxDepth');
    }
  });

  it('more objects than maxObjects in one apply are refused', async () => {
    const body = Array.from({ length: DEFAULT_INPUT_LIMITS.maxObjects + 1 }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n${i}\n`).join('---\n');
    assertLimit(await send(body), 413, 'MG_ERR_TOO_LARGE', 'maxObjects');
  });

  it('maxObjects Services with large annotations (about 1 MiB) apply (the embedded store writes them in its worker thread)', async () => {
    const service = (i: number) =>
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: s${i}\n  namespace: web\n  annotations:\n    note: "${'n'.repeat(1800)}"\nspec:\n  ports:\n  - port: 80\n    name: http\n`;
    const answer = await send(Array.from({ length: DEFAULT_INPUT_LIMITS.maxObjects }, (_, i) => service(i)).join('---\n'));
    assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 500));
  });
});

describe('strings the store cannot hold are refused with their path (once 503)', () => {
  const namespaceWith = (labels: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strings', labels, annotations: labels } });

  it('NUL in a value', async () => {
    const answer = await send(namespaceWith({ note: 'a\u0000b' }), 'application/json');
    assert.equal(answer.status, 422, JSON.stringify(answer.body));
    assert.equal(answer.body.code, 'MG_ERR_INVALID');
    const errors = answer.body.errors as { path: string; message: string }[];
    assert.ok(errors.some((e) => e.path === 'metadata.annotations.note' && /U\+0000/.test(e.message)), JSON.stringify(errors));
  });

  it('a lone surrogate in a key, and in YAML as an escape', async () => {
    const answer = await send(namespaceWith({ ['k\ud800']: 'v' }), 'application/json');
    assert.equal(answer.status, 422, JSON.stringify(answer.body));
    const errors = answer.body.errors as { path: string; message: string }[];
    assert.ok(errors.some((e) => e.path === 'metadata.annotations["k\\ud800"]' && /lone surrogate U\+D800/.test(e.message)), JSON.stringify(errors));
    const yaml = await send('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: s\n  annotations:\n    a: "x\\udc00"\n');
    assert.equal(yaml.status, 422, JSON.stringify(yaml.body));
  });

  it('a change from the bus with a NUL is refused with the path, and nothing is written', async () => {
    const bus = await listeningApi({ consumeChanges: true });
    try {
      const before = await bus.h.store.countEvents();
      const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bus', namespace: 'web' }, data: { 'a\u0000': 'b' } };
      await bus.h.bus.publishChange({ id: 'nul-1', source: 'test', op: 'apply', kind: 'ConfigMap', namespace: 'web', name: 'bus', object });
      const refusal = await eventually('the change to be refused', () => bus.h.logs.find((record) => record.changeId === 'nul-1'));
      assert.match(String(refusal.msg), /refused an invalid change/);
      const errors = refusal.errors as { path: string; message: string }[];
      assert.ok(errors.some((e) => e.path === 'data["a\\u0000"]' && /U\+0000/.test(e.message)), JSON.stringify(errors));
      assert.equal(await bus.h.store.countEvents(), before);
    } finally {
      await bus.close();
    }
  });
});

describe('query numbers out of range are a 400 (once 500)', () => {
  for (const query of ['after=1e400', 'after=Infinity', 'after=1e20', 'limit=1e400', 'after=-1']) {
    it(`GET /v1/events?${query}`, async () => {
      const response = await fetch(`${api.base}/v1/events?${query}`, { headers: bearer() });
      assert.equal(response.status, 400, await response.clone().text());
      assert.equal(((await response.json()) as { code: string }).code, 'MG_ERR_BAD_REQUEST');
    });
  }

  it('GET /v1/events/stream?after=1e400', async () => {
    const response = await fetch(`${api.base}/v1/events/stream?after=1e400`, { headers: bearer() });
    assert.equal(response.status, 400);
    await response.body?.cancel();
  });
});

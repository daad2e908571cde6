/**
 * Property: whatever a client sends to `POST /v1/apply`, the api answers without a 5xx, writes
 * nothing when it refuses, and keeps answering `/healthz` over a real socket within a second.
 * At least 1,000 generated hostile documents: mutations of the seeds' YAML (the model's
 * fixtures), bad Unicode, deep nesting, aliases, many keys, huge scalars, JSON variants.
 * The second is a bound on a stall (issue 7), not a performance figure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { probeHealth, STALL_BOUND_MS, type StallProbe } from '@meshgate/testkit';
import fc from 'fast-check';
import { listeningApi, postApply, type ListeningApi } from './hostile.js';

const RUNS = 1000;
/**
 * A fixed seed, so that a CI run is reproducible and the spread of answers checked below is stable;
 * FC_SEED=<n> explores another part of the space (fast-check prints the seed of a failure).
 */
const SEED = Number(process.env.FC_SEED ?? 20261204);

// The test runs from services/api/dist/test; the model's fixtures compile to packages/model/dist/test.
const FIXTURES = ['valid-documents', 'seed-000', 'seed-002', 'seed-003-foreign', 'seed-004', 'seed-ingress'];

/** Every YAML text the fixture modules export: string constants and `{yaml}` rows of arrays. */
async function seedTexts(): Promise<string[]> {
  const texts: string[] = [];
  for (const name of FIXTURES) {
    const module: unknown = await import(new URL(`../../../../packages/model/dist/test/fixtures/${name}.js`, import.meta.url).href);
    for (const value of Object.values(module as Record<string, unknown>)) {
      if (typeof value === 'string' && value.includes('kind:')) texts.push(value);
      if (Array.isArray(value)) {
        for (const row of value as unknown[]) {
          const yaml = typeof row === 'object' && row !== null ? (row as { yaml?: unknown }).yaml : undefined;
          if (typeof yaml === 'string') texts.push(yaml);
        }
      }
    }
  }
  return texts;
}

/** Any UTF-16 code unit: NUL, lone surrogates, BOMs and controls included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const hostileString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\udc00b', '\ufeff', '\u202e', '\u2028', '*a', '&a', '<<', '---', '...', ': ', '- ', '{', '[', '"', "'", '\t', '%YAML 1.1', '!!binary', '?'),
);

type Mutation = { at: number; remove: number; insert: string } | { duplicateLine: number } | { indentLine: number; by: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), remove: fc.nat({ max: 20 }), insert: hostileString }),
  fc.record({ duplicateLine: fc.nat() }),
  fc.record({ indentLine: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

function mutate(text: string, mutations: Mutation[]): string {
  let result = text;
  for (const m of mutations) {
    if ('insert' in m) {
      const at = m.at % (result.length + 1);
      result = result.slice(0, at) + m.insert + result.slice(at + m.remove);
    } else {
      const lines = result.split('\n');
      if ('duplicateLine' in m) {
        const i = m.duplicateLine % lines.length;
        lines.splice(i, 0, lines[i]);
      } else {
        const i = m.indentLine % lines.length;
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-m.by}}`), '');
      }
      result = lines.join('\n');
    }
  }
  return result;
}

const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: generated\n  namespace: web\ndata:\n${data}`;

function hostileBodies(seeds: string[]): fc.Arbitrary<{ body: string; contentType: string }> {
  const yaml = (body: string) => ({ body, contentType: 'application/yaml' });
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    { weight: 12, arbitrary: fc.tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([text, ms]) => yaml(mutate(text, ms))) },
    { weight: 3, arbitrary: fc.tuple(fc.array(seed, { minLength: 2, maxLength: 5 }), fc.array(mutation, { maxLength: 3 })).map(([texts, ms]) => yaml(mutate(texts.join('---\n'), ms))) },
    { weight: 3, arbitrary: fc.tuple(seed, hostileString, hostileString).map(([text, key, value]) => yaml(`${text.trimEnd()}\n${JSON.stringify(key)}: ${JSON.stringify(value)}\n`)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([depth, flow]) =>
        yaml(flow ? configMap(`  deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`) : configMap(Array.from({ length: Math.min(depth, 400) }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n') + ' leaf\n')),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 200 })).map(([anchorSize, aliases]) =>
        yaml(configMap(`  a: &a "${'x'.repeat(anchorSize)}"\n  b: [${Array(aliases).fill('*a').join(', ')}]\n`)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 2, max: 8 }).map((levels) => {
        const lines = ['  l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
        for (let level = 1; level < levels; level++) lines.push(`  l${level}: &l${level} [${Array(10).fill(`*l${level - 1}`).join(', ')}]`);
        return yaml(configMap(`${lines.join('\n')}\n`));
      }),
    },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 15_000 }), fc.boolean()).map(([count, duplicate]) => yaml(configMap(Array.from({ length: count }, (_, i) => `  k${duplicate && i === count - 1 ? 0 : i}: v\n`).join('')))) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 900_000 }).map((size) => yaml(configMap(`  huge: "${'h'.repeat(size)}"\n`))) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 6 }), seed).map(([value, text]) => ({
        body: JSON.stringify({ apiVersion: 'v1', kind: text.match(/kind: (\w+)/)?.[1] ?? 'ConfigMap', metadata: { name: 'json', namespace: 'web' }, spec: value, data: value }),
        contentType: 'application/json',
      })),
    },
    { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 300 }).map((text) => yaml(text)) },
  );
}

describe('POST /v1/apply under generated hostile documents', () => {
  let api: ListeningApi;
  let probe: StallProbe;
  let seeds: string[];

  before(async () => {
    seeds = await seedTexts();
    api = await listeningApi();
  });
  after(async () => {
    await probe?.stop();
    await api?.close();
  });

  it(`answers ${RUNS} hostile documents without a 5xx, writes nothing on a refusal, /healthz answering throughout`, async () => {
    assert.ok(seeds.length >= 20, `only ${seeds.length} seed texts`);
    const statuses = new Map<number, number>();
    probe = probeHealth(`${api.base}/healthz`);
    await fc.assert(
      fc.asyncProperty(hostileBodies(seeds), async ({ body, contentType }) => {
        const before = await api.h.store.countEvents();
        const answer = await postApply(api.base, body, contentType);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.ok(answer.status < 500, `${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        if (answer.status !== 200) assert.equal(await api.h.store.countEvents(), before, `a ${answer.status} wrote an event`);
      }),
      { numRuns: RUNS, endOnFailure: true, seed: SEED },
    );
    const report = await probe.stop();
    assert.deepEqual(report.failures, [], 'every /healthz probe answered 200');
    assert.ok(report.maxGapMs < STALL_BOUND_MS, `/healthz went unanswered for ${Math.round(report.maxGapMs)} ms`);
    // The generators reach both sides: some documents are applied, most are refused.
    assert.ok((statuses.get(200) ?? 0) > 0, `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok([...statuses.keys()].filter((status) => status >= 400).length >= 3, `statuses: ${JSON.stringify([...statuses])}`);
  });
});

/**
 * Named regressions for requests that once froze the CA, each refused within a stall bound
 * while `/healthz` keeps answering over a real socket. The bounds are bounds on a stall (the
 * old code took 20 s and more on these inputs), not performance figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Credentials } from '@meshgate/auth';
import { bearer, probeHealth, STALL_BOUND_MS, TEST_API_TOKEN } from '@meshgate/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseGoDuration } from '../src/duration.js';
import { buildCaHttpApp } from '../src/http/app.js';
import { decodePemBlocks } from '../src/x509/der.js';
import { openTestCa, type TestCa } from './helpers.js';

/** About the largest body the CA's REST routes accept (fastify's 1 MiB default). */
const HOSTILE_CHARS = 1_000_000;

function within<T>(boundMs: number, what: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  const took = performance.now() - started;
  assert.ok(took < boundMs, `${what} took ${Math.round(took)} ms; the stall bound is ${boundMs} ms`);
  return result;
}

describe('PEM parsing is linear', () => {
  test('1 MB of unterminated "-----BEGIN A-----" lines yields no block, within the stall bound', () => {
    const text = '-----BEGIN A-----\n'.repeat(Math.floor(HOSTILE_CHARS / 18));
    assert.deepEqual(
      within(2000, 'decoding', () => decodePemBlocks(text)),
      [],
    );
  });

  test('1 MB of "-----BEGIN " repeats and of a BEGIN with a body that never ends', () => {
    assert.deepEqual(
      within(2000, 'decoding BEGIN repeats', () => decodePemBlocks('-----BEGIN '.repeat(HOSTILE_CHARS / 11))),
      [],
    );
    assert.deepEqual(
      within(2000, 'decoding an unterminated body', () => decodePemBlocks(`-----BEGIN CERTIFICATE REQUEST-----\n${'QUFB\n'.repeat(HOSTILE_CHARS / 5)}`)),
      [],
    );
  });

  test('blocks are still found around garbage: a non-base64 block is skipped, a mismatched END ends nothing', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    const good = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const text = `junk -----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n-----END X-----\n-----BEGIN A-----\nAAAA\n-----END B-----\n${good}${good}`;
    const blocks = decodePemBlocks(text);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.der.toString('hex')]),
      [
        ['CERTIFICATE', der.toString('hex')],
        ['CERTIFICATE', der.toString('hex')],
      ],
    );
  });
});

describe('durations are linear', () => {
  test('a 1 MB run of digits without a unit is refused within the stall bound', () => {
    const parsed = within(2000, 'parsing', () => parseGoDuration('1'.repeat(HOSTILE_CHARS)));
    assert.equal(parsed.ok, false);
    assert.equal(parseGoDuration('1.5h').ok, true);
  });
});

describe('POST /v1/ca/sign with a hostile PEM, over a real socket', () => {
  let t: TestCa;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    t = await openTestCa({ backend: 'pglite' });
    app = await buildCaHttpApp({ ca: t.ca, store: t.store, logger: pino({ level: 'silent' }), registry: new Registry(), access: { auth: Credentials.adminToken(TEST_API_TOKEN) } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  test('is refused as an invalid CSR while /healthz keeps answering within a second', async () => {
    const events = await t.store.countEvents();
    const probe = probeHealth(`${base}/healthz`);
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\n'.repeat(Math.floor(HOSTILE_CHARS / 36));
    const response = await fetch(`${base}/v1/ca/sign`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify({ csr }) });
    const body = (await response.json()) as { code?: string; field?: string };
    const report = await probe.stop();
    assert.equal(response.status, 422);
    assert.equal(body.code, 'MG_ERR_CA_INVALID_CSR');
    assert.equal(body.field, 'csr');
    assert.deepEqual(report.failures, []);
    assert.ok(report.answers > 0);
    assert.ok(report.maxGapMs < STALL_BOUND_MS, `/healthz went unanswered for ${Math.round(report.maxGapMs)} ms`);
    assert.equal(await t.store.countEvents(), events, 'a refused request writes no event');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseGoDuration, parseValidity } from '../src/duration.js';
import { CaError } from '../src/types.js';

const H = 3_600_000;

test('Go-style durations parse as Go parses them', () => {
  const cases: [string, number][] = [
    ['24h', 24 * H],
    ['1h30m', 1.5 * H],
    ['90m', 1.5 * H],
    ['3600s', H],
    ['1.5h', 1.5 * H],
    ['.5h', 0.5 * H],
    ['1h0m0s', H],
    ['2h45m30s', 2 * H + 45 * 60_000 + 30_000],
    ['1500ms', 1500],
    ['+2h', 2 * H],
    ['-1h', -H],
    ['0', 0],
    ['720h', 720 * H],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseGoDuration(text), { ok: true, ms }, text);
});

test('malformed durations are refused', () => {
  for (const text of ['', ' ', 'h', '24', '1d', '1h 30m', '1hh', 'abc', '1.h.5', '--1h', '1H', '24hours']) {
    assert.equal(parseGoDuration(text).ok, false, text);
  }
});

test('a validity is positive, at least a second, and clamped to the maximum', () => {
  assert.equal(parseValidity('24h', 720 * H), 24 * H);
  assert.equal(parseValidity('8760h', 720 * H), 720 * H);
  for (const [text, reason] of [
    ['0', /must be positive/],
    ['0s', /must be positive/],
    ['-24h', /must be positive/],
    ['500ms', /shorter than one second/],
    ['1 day', /is not a duration/],
  ] as const) {
    assert.throws(
      () => parseValidity(text, 720 * H),
      (error: unknown) => error instanceof CaError && error.code === 'MG_ERR_CA_BAD_DURATION' && error.field === 'validity' && reason.test(error.message),
      text,
    );
  }
});

test('durations are reported back in the same notation', () => {
  assert.equal(formatDuration(24 * H), '24h');
  assert.equal(formatDuration(1.5 * H), '1h30m');
  assert.equal(formatDuration(3_723_000), '1h2m3s');
  assert.equal(formatDuration(0), '0s');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from '../src/duration.js';

test('Go durations become exact protobuf Durations', () => {
  const cases: [string, { seconds: number; nanos: number }][] = [
    ['5s', { seconds: 5, nanos: 0 }],
    ['1.5s', { seconds: 1, nanos: 500_000_000 }],
    ['100ms', { seconds: 0, nanos: 100_000_000 }],
    ['0.1s', { seconds: 0, nanos: 100_000_000 }],
    ['1h30m', { seconds: 5400, nanos: 0 }],
    ['2m3.25s', { seconds: 123, nanos: 250_000_000 }],
    ['250us', { seconds: 0, nanos: 250_000 }],
    ['250µs', { seconds: 0, nanos: 250_000 }],
    ['7ns', { seconds: 0, nanos: 7 }],
    ['.5s', { seconds: 0, nanos: 500_000_000 }],
    ['0', { seconds: 0, nanos: 0 }],
    ['+3s', { seconds: 3, nanos: 0 }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseGoDuration(text), expected, text);
});

test('what is not a Go duration is refused', () => {
  for (const text of ['', '5', 's', '5 s', '-1s', '1.5', '1d', '5sec', '1s2', 'abc']) {
    assert.equal(parseGoDuration(text), undefined, JSON.stringify(text));
  }
});

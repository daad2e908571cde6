import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appendResult, encodeBatch, parseSummary, validateNewEvents } from '../src/append-plan.js';
import type { NewEvent } from '../src/index.js';

describe('encodeBatch and appendResult', () => {
  test('the batch is one JSON array with every field of each event, and "any" sends no expected version', () => {
    const events: NewEvent[] = [
      { streamId: 's/a', type: 'A', data: { n: 1 }, metadata: { by: 'x' }, dedupKey: 'k', expectedVersion: 0 },
      { streamId: 's/b', type: 'B', data: null, expectedVersion: 'any' },
    ];
    assert.deepEqual(JSON.parse(encodeBatch(events)), [
      { s: 's/a', t: 'A', d: { n: 1 }, m: { by: 'x' }, k: 'k', e: 0 },
      { s: 's/b', t: 'B', d: null },
    ]);
  });

  test('numbers written events after the head, skips the positions reported as duplicates, and keeps the caller’s data', () => {
    const data = { n: 2 };
    const events: NewEvent[] = [
      { streamId: 's/a', type: 'A', data: 1, dedupKey: 'seen' },
      { streamId: 's/a', type: 'B', data, dedupKey: 'fresh' },
      { streamId: 's/b', type: 'C', data: undefined },
    ];
    const result = appendResult(events, parseSummary({ head: 41, at: '2030-01-01T00:00:00.000Z', dup: [1], versions: [4, 1] }));
    assert.deepEqual(result.deduplicated, ['seen']);
    assert.deepEqual(
      result.written.map((e) => [e.sequence, e.streamId, e.streamVersion, e.type, e.dedupKey, e.recordedAt]),
      [
        [42, 's/a', 4, 'B', 'fresh', '2030-01-01T00:00:00.000Z'],
        [43, 's/b', 1, 'C', null, '2030-01-01T00:00:00.000Z'],
      ],
    );
    assert.equal(result.written[0].data, data, 'no copy parsed back from JSON');
    assert.equal(result.written[1].data, null);
    assert.deepEqual(result.written[1].metadata, {});
  });

  test('refuses an answer of the wrong shape', () => {
    assert.throws(() => parseSummary({ head: 1, at: 'x', dup: [], versions: ['1'] }), /unexpected value/);
    assert.throws(() => appendResult([{ streamId: 's', type: 'A', data: 1 }], { head: 0, at: 'x', dup: [], versions: [] }), /fewer versions/);
  });
});

describe('validateNewEvents', () => {
  const cases: { field: string; event: unknown }[] = [
    { field: 'events[0].streamId', event: { type: 'A', data: 1 } },
    { field: 'events[0].type', event: { streamId: 's', type: '', data: 1 } },
    { field: 'events[0].metadata', event: { streamId: 's', type: 'A', data: 1, metadata: ['x'] } },
    { field: 'events[0].dedupKey', event: { streamId: 's', type: 'A', data: 1, dedupKey: 7 } },
    { field: 'events[0].expectedVersion', event: { streamId: 's', type: 'A', data: 1, expectedVersion: 1.5 } },
    { field: 'events[0]', event: null },
  ];
  for (const { field, event } of cases) {
    test(`names ${field}`, () => {
      assert.throws(() => validateNewEvents([event] as NewEvent[]), (error: unknown) => error instanceof TypeError && error.message.startsWith(`${field}:`));
    });
  }
});

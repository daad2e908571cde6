import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planAppend, validateNewEvents, type AppendContext } from '../src/append-plan.js';
import { ConcurrencyError, type NewEvent } from '../src/index.js';

const context = (overrides: Partial<AppendContext> = {}): AppendContext => ({
  head: 41,
  recordedAt: '2030-01-01T00:00:00.000Z',
  streamVersions: new Map([['s/existing', 3]]),
  existingDedupKeys: new Set(['seen']),
  ...overrides,
});

describe('planAppend', () => {
  test('numbers sequences after the head and versions after each stream’s current version', () => {
    const plan = planAppend(
      [
        { streamId: 's/existing', type: 'A', data: 1 },
        { streamId: 's/new', type: 'B', data: 2 },
        { streamId: 's/existing', type: 'C', data: 3 },
      ],
      context(),
    );
    assert.deepEqual(
      plan.rows.map((r) => [r.sequence, r.streamId, r.streamVersion]),
      [
        [42, 's/existing', 4],
        [43, 's/new', 1],
        [44, 's/existing', 5],
      ],
    );
    assert.deepEqual(
      [...plan.streamVersions],
      [
        ['s/existing', 5],
        ['s/new', 1],
      ],
    );
    assert.ok(plan.result.written.every((e) => e.recordedAt === '2030-01-01T00:00:00.000Z'));
  });

  test('skips keys already in the log and repeated in the batch, without consuming numbers', () => {
    const plan = planAppend(
      [
        { streamId: 's/new', type: 'A', data: 1, dedupKey: 'seen' },
        { streamId: 's/new', type: 'B', data: 2, dedupKey: 'fresh' },
        { streamId: 's/new', type: 'C', data: 3, dedupKey: 'fresh' },
      ],
      context(),
    );
    assert.deepEqual(plan.result.deduplicated, ['seen', 'fresh']);
    assert.deepEqual(
      plan.rows.map((r) => [r.sequence, r.type, r.streamVersion]),
      [[42, 'B', 1]],
    );
  });

  const conflicts: { name: string; events: NewEvent[]; expected: number; actual: number }[] = [
    { name: 'stale version', events: [{ streamId: 's/existing', type: 'A', data: 1, expectedVersion: 2 }], expected: 2, actual: 3 },
    { name: 'new stream expected to exist', events: [{ streamId: 's/new', type: 'A', data: 1, expectedVersion: 1 }], expected: 1, actual: 0 },
    {
      name: 'second event of a stream expects the version before the batch',
      events: [
        { streamId: 's/existing', type: 'A', data: 1, expectedVersion: 3 },
        { streamId: 's/existing', type: 'B', data: 2, expectedVersion: 3 },
      ],
      expected: 3,
      actual: 4,
    },
  ];
  for (const { name, events, expected, actual } of conflicts) {
    test(`throws ConcurrencyError: ${name}`, () => {
      assert.throws(
        () => planAppend(events, context()),
        (error: unknown) => error instanceof ConcurrencyError && error.expected === expected && error.actual === actual,
      );
    });
  }

  test('does not check the expected version of a deduplicated event', () => {
    const plan = planAppend([{ streamId: 's/existing', type: 'A', data: 1, dedupKey: 'seen', expectedVersion: 0 }], context());
    assert.deepEqual(plan.result, { written: [], deduplicated: ['seen'] });
  });

  test('returns data as a reader will get it back: JSON, with undefined dropped', () => {
    const plan = planAppend([{ streamId: 's/new', type: 'A', data: { kept: 1, dropped: undefined } }, { streamId: 's/new', type: 'B', data: undefined }], context());
    assert.deepEqual(plan.result.written[0].data, { kept: 1 });
    assert.equal(plan.rows[0].data, '{"kept":1}');
    assert.equal(plan.result.written[1].data, null);
    assert.equal(plan.rows[1].metadata, '{}');
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

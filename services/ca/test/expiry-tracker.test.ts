import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiryTracker } from '../src/expiry-tracker.js';

test('the earliest expiry still ahead, forgetting the ones past', () => {
  const tracker = new ExpiryTracker();
  assert.equal(tracker.earliestAfter(0), undefined);
  for (const at of [50, 10, 40, 30, 20, 60, 10]) tracker.add(at);
  assert.equal(tracker.earliestAfter(0), 10);
  assert.equal(tracker.earliestAfter(10), 20, 'an expiry at "now" has passed');
  assert.equal(tracker.size, 5);
  assert.equal(tracker.earliestAfter(35), 40);
  assert.equal(tracker.size, 3);
  tracker.add(36);
  assert.equal(tracker.earliestAfter(35), 36);
  assert.equal(tracker.earliestAfter(100), undefined);
  assert.equal(tracker.size, 0);
});

/** The Server-Sent Events parser on the line endings and fields the format allows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser } from '../src/sse.js';

describe('SseParser', () => {
  it('joins data lines, keeps the last id, skips comments, and waits for the blank line', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(': heartbeat\n\nid: 7\ndata: {"a":\n'), []);
    assert.deepEqual(parser.push('data: 1}\n\n'), [{ id: '7', event: undefined, data: '{"a":\n1}' }]);
  });

  it('accepts \\r\\n and \\r line endings, even split across chunks, and reads retry', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('retry: 250\r'), []);
    assert.deepEqual(parser.push('\nevent: x\rdata:no-space\r\n\r\n'), [{ id: undefined, event: 'x', data: 'no-space' }]);
    assert.equal(parser.retryMs, 250);
  });

  it('dispatches nothing for a block without data', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('id: 3\n\n'), []);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer } from '@meshgate/testkit';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface EventsBody {
  events: { sequence: number; streamId: string; type: string; data: unknown }[];
  head: number;
}

const namespaces = (names: string[]) => names.map((name) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`).join('---\n');

interface SseMessage {
  id: string;
  data: string;
}

/** Parses a text/event-stream body into messages, keeping what it read ahead for the next call. */
class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly parsed: SseMessage[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  async next(count: number): Promise<SseMessage[]> {
    while (this.parsed.length < count) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`the stream ended with ${this.parsed.length} of ${count} messages`);
      this.buffer += this.decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const fields = new Map(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
        );
        const data = fields.get('data');
        if (data !== undefined) this.parsed.push({ id: fields.get('id') ?? '', data });
      }
    }
    return this.parsed.splice(0, count);
  }
}

/** A stream request that gives up (and so fails the test) instead of waiting forever. */
const STREAM_DEADLINE_MS = 10_000;

describe('/v1/events', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ consumeChanges: false });
    const applied = await h.inject(yamlRequest(namespaces(['a', 'b', 'c', 'd', 'e'])));
    assert.equal(applied.statusCode, 200, applied.body);
  });
  after(async () => {
    await h.close();
  });

  it('pages through the log with after and limit', async () => {
    const first = await h.inject({ method: 'GET', url: '/v1/events?limit=2' });
    assert.equal(first.statusCode, 200);
    const page = first.json<EventsBody>();
    assert.equal(page.head, 5);
    assert.deepEqual(page.events.map((event) => event.sequence), [1, 2]);
    assert.equal(page.events[0].streamId, 'Namespace//a');
    assert.equal(page.events[0].type, 'ResourceApplied');

    const next = await h.inject({ method: 'GET', url: '/v1/events?after=2&limit=2' });
    assert.deepEqual(next.json<EventsBody>().events.map((event) => event.sequence), [3, 4]);
    const rest = await h.inject({ method: 'GET', url: '/v1/events?after=4' });
    assert.deepEqual(rest.json<EventsBody>().events.map((event) => event.sequence), [5]);
    const none = await h.inject({ method: 'GET', url: '/v1/events?after=5' });
    assert.deepEqual(none.json<EventsBody>(), { events: [], head: 5 });
  });

  it('defaults to after=0 and at most 100 events', async () => {
    const response = await h.inject({ method: 'GET', url: '/v1/events' });
    assert.equal(response.json<EventsBody>().events.length, 5);
  });

  it('answers 400 naming a query parameter that is not an acceptable integer', async () => {
    for (const [query, param] of [
      ['after=x', 'after'],
      ['after=-1', 'after'],
      ['after=1.5', 'after'],
      ['limit=abc', 'limit'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
    ]) {
      const response = await h.inject({ method: 'GET', url: `/v1/events?${query}` });
      assert.equal(response.statusCode, 400, query);
      const problem = response.json<{ code: string; message: string }>();
      assert.equal(problem.code, 'MG_ERR_BAD_REQUEST', query);
      assert.match(problem.message, new RegExp(`"${param}"`), query);
    }
  });

  describe('streaming', () => {
    let address: string;
    before(async () => {
      address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => {
      // fetch keeps spare keep-alive sockets open; without this, close() would wait for them to time out.
      h.app.server.closeAllConnections();
    });

    it('streams the events after a position, then new ones, as Server-Sent Events', async () => {
      const abort = new AbortController();
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(STREAM_DEADLINE_MS)]);
      const response = await fetch(`${address}/v1/events/stream?after=3`, { signal, headers: bearer() });
      try {
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.ok(response.body);
        const stream = new SseReader(response.body);
        const backlog = await stream.next(2);
        assert.deepEqual(backlog.map((message) => message.id), ['4', '5']);

        // Appended after the client connected: it arrives as the follower advances.
        const applied = await h.inject(yamlRequest(namespaces(['late'])));
        assert.equal(applied.statusCode, 200, applied.body);
        const [live] = await stream.next(1);
        assert.equal(live.id, '6');
        const event: unknown = JSON.parse(live.data);
        assert.ok(typeof event === 'object' && event !== null && 'streamId' in event);
        assert.equal(event.streamId, 'Namespace//late');
      } finally {
        abort.abort();
      }
    });

    it('resumes from Last-Event-ID', async () => {
      const abort = new AbortController();
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(STREAM_DEADLINE_MS)]);
      const response = await fetch(`${address}/v1/events/stream`, { signal, headers: { ...bearer(), 'last-event-id': '5' } });
      try {
        assert.ok(response.body);
        const [first] = await new SseReader(response.body).next(1);
        assert.equal(first.id, '6');
      } finally {
        abort.abort();
      }
    });
  });
});

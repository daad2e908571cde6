/** `meshgate events`, paged and followed over Server-Sent Events, against a canned REST API. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CannedServer, TEST_TIMEOUT_MS, runCli, startCli } from './support.js';

function event(sequence: number, name: string) {
  return {
    sequence,
    streamId: `VirtualService/default/${name}`,
    streamVersion: 1,
    type: 'ResourceApplied',
    data: { object: { kind: 'VirtualService', metadata: { name } }, digest: 'd', source: 'manifests:mesh.yaml' },
    recordedAt: `2025-01-01T00:00:0${sequence}.000Z`,
  };
}

describe('meshgate events', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prints one page, one line per event, and says where to continue', async () => {
    const server = await CannedServer.start({ 'GET /v1/events': { json: { events: [event(3, 'a'), event(4, 'b')], head: 9 } } });
    try {
      const result = await runCli(['events', '--after', '2', '--limit', '2'], { server: server.url });
      assert.equal(result.code, 0);
      assert.equal(
        result.stdout,
        [
          '#3 2025-01-01T00:00:03.000Z ResourceApplied VirtualService/default/a v1 source=manifests:mesh.yaml',
          '#4 2025-01-01T00:00:04.000Z ResourceApplied VirtualService/default/b v1 source=manifests:mesh.yaml',
          '',
        ].join('\n'),
      );
      assert.equal(result.stderr, 'More events follow: meshgate events --after 4\n');
      assert.equal(server.requests[0].query.get('after'), '2');
      assert.equal(server.requests[0].query.get('limit'), '2');
    } finally {
      await server.close();
    }
  });

  it('prints JSON lines with -o json', async () => {
    const server = await CannedServer.start({ 'GET /v1/events': { json: { events: [event(1, 'a')], head: 1 } } });
    try {
      const result = await runCli(['events', '-o', 'json'], { server: server.url });
      assert.equal(result.code, 0);
      assert.deepEqual(JSON.parse(result.stdout), event(1, 'a'));
      assert.equal(result.stderr, '');
    } finally {
      await server.close();
    }
  });

  it('follows the stream, reconnects after the last event it printed, and stops when aborted', async () => {
    const connections: string[] = [];
    const server = await CannedServer.start({
      'GET /v1/events/stream': (request, response) => {
        connections.push(request.query.get('after') ?? '');
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        if (connections.length === 1) {
          // Two events split across writes, then the server goes away: the client must come back.
          response.write('retry: 5\n\n: keep-alive\n\nid: 1\ndata: ');
          response.write(`${JSON.stringify(event(1, 'a'))}\n\nid: 2\ndata: ${JSON.stringify(event(2, 'b'))}\n\n`);
          response.end();
        } else {
          response.write(`id: 3\ndata: ${JSON.stringify(event(3, 'c'))}\n\n`);
        }
      },
    });
    const stop = new AbortController();
    try {
      const run = startCli(['events', '--follow'], { server: server.url, signal: stop.signal });
      await run.stdout.waitForLines(3);
      stop.abort();
      assert.equal(await run.code, 0);
      assert.deepEqual(
        run.stdout.lines().map((line) => line.split(' ')[3]),
        ['VirtualService/default/a', 'VirtualService/default/b', 'VirtualService/default/c'],
      );
      assert.deepEqual(connections, ['0', '2']);
      assert.equal(run.stderr.text, 'event stream ended; reconnecting after #2\n');
    } finally {
      await server.close();
    }
  });
});

/**
 * The embedded mode under faults, with real processes: one writer per data directory, and
 * every acknowledged apply surviving `kill -9` at random moments, with no sequence reused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiTokenOf, isRunning, request, startEmbedded, type EmbeddedProcess } from './embedded-process.js';

const KILL_ROUNDS = 6;
const WRITERS = 3;

let parent: string;
before(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'meshgate-faults-'));
});
after(async () => {
  await rm(parent, { recursive: true, force: true });
});

async function mustStart(dataDir: string): Promise<EmbeddedProcess> {
  const started = await startEmbedded(dataDir);
  if (!isRunning(started)) assert.fail(`meshgate up exited with ${String(started.code)}: ${started.stderr}`);
  return started;
}

/** A namespace per apply: each acknowledged apply writes exactly one event, named after it. */
function namespace(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
}

/** Applies one document; the sequence of its event when acknowledged (200), else undefined. */
async function apply(url: string, token: string, name: string): Promise<number | undefined> {
  try {
    const response = await request(`${url}/v1/apply`, token, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: namespace(name) });
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { sequence: unknown; results: { action?: unknown }[] };
    assert.equal(typeof body.sequence, 'number');
    assert.equal(body.results[0]?.action, 'created', `a fresh name is created: ${JSON.stringify(body)}`);
    return body.sequence as number;
  } catch (error) {
    // The process died with the request in flight: not acknowledged, so nothing is owed.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/** The whole log: sequence → the name of the namespace its event applied. */
async function readLog(url: string, token: string): Promise<Map<number, string>> {
  const log = new Map<number, string>();
  for (let after = 0; ; ) {
    const response = await request(`${url}/v1/events?after=${after}&limit=1000`, token);
    assert.equal(response.status, 200);
    const page = (await response.json()) as { events: { sequence: number; data: { object?: { metadata?: { name?: string } } } }[]; head: number };
    for (const event of page.events) log.set(event.sequence, event.data.object?.metadata?.name ?? '');
    const last = page.events.at(-1);
    if (last === undefined || last.sequence >= page.head) return log;
    after = last.sequence;
  }
}

describe('embedded data directory under faults', { timeout: 120_000 }, () => {
  it('refuses a second process on the same data directory, naming the holder', async () => {
    const dataDir = path.join(parent, 'shared');
    const first = await mustStart(dataDir);
    try {
      const second = await startEmbedded(dataDir);
      if (isRunning(second)) {
        await second.kill();
        assert.fail('a second meshgate started on a data directory in use');
      }
      assert.equal(second.code, 1);
      const lines = second.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line: ${second.stderr}`);
      assert.match(lines[0] ?? '', new RegExp(`^error: the data directory .*shared is in use by process ${first.pid}\\b.*kill ${first.pid}`));
      // The first one is unharmed.
      assert.equal((await request(`${first.url}/readyz`, apiTokenOf(dataDir))).status, 200);
    } finally {
      await first.kill('SIGTERM');
    }
  });

  it('keeps every acknowledged apply, without reusing a sequence, across repeated kill -9', async () => {
    const dataDir = path.join(parent, 'killed');
    /** sequence → name, for every apply answered 200. */
    const acknowledged = new Map<number, string>();
    let counter = 0;
    for (let round = 0; round <= KILL_ROUNDS; round++) {
      const server = await mustStart(dataDir);
      const token = apiTokenOf(dataDir);
      const log = await readLog(server.url, token);
      for (const [sequence, name] of acknowledged) {
        assert.equal(log.get(sequence), name, `round ${round}: acknowledged apply of ${name} at sequence ${sequence} is in the log`);
      }
      if (round === KILL_ROUNDS) {
        await server.kill('SIGTERM');
        break;
      }
      // Writers apply until the process dies under them, at a random moment.
      const killAfterMs = 200 + Math.random() * 1500;
      const killed = new Promise<void>((resolve) => setTimeout(() => void server.kill('SIGKILL').then(resolve), killAfterMs));
      let alive = true;
      void killed.then(() => (alive = false));
      const before = acknowledged.size;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (alive) {
            const name = `fault-${++counter}`;
            const sequence = await apply(server.url, token, name);
            if (sequence === undefined) continue;
            const earlier = acknowledged.get(sequence);
            assert.equal(earlier, undefined, `sequence ${sequence} acknowledged for ${name} was already acknowledged for ${String(earlier)}`);
            acknowledged.set(sequence, name);
          }
        }),
      );
      await killed;
      assert.ok(acknowledged.size > before, `round ${round}: some applies were acknowledged before the kill`);
    }
  });
});

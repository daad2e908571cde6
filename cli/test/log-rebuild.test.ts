/** `meshgate log rebuild` as a process, against an embedded data directory and against Postgres. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { MESH_STATE_SNAPSHOT } from '@meshgate/follower';
import { deserialiseState, digestOf, objectKey, validateDocument } from '@meshgate/model';
import { createTestDatabase } from '@meshgate/testkit';

const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Three versions of two Services, and a snapshot that wrongly says the mesh is empty. */
async function seed(store: EventStore): Promise<number> {
  for (let version = 1; version <= 3; version++) {
    await store.append(
      ['a', 'b'].map((name) => {
        const result = validateDocument({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo' }, spec: { ports: [{ port: 8000 + version }] } });
        assert.ok(result.valid);
        return { streamId: objectKey(result.value), type: 'ResourceApplied', data: { object: result.value, digest: digestOf(result.value), source: 'test' } };
      }),
    );
  }
  const head = await store.headSequence();
  await store.saveSnapshot({ name: MESH_STATE_SNAPSHOT, sequence: head, state: { format: 2, sequence: head, objects: [], created: {} } });
  return head;
}

async function assertRebuilt(store: EventStore, head: number): Promise<void> {
  const saved = await store.loadSnapshot(MESH_STATE_SNAPSHOT);
  assert.equal(saved?.sequence, head);
  const state = deserialiseState(saved?.state);
  assert.deepEqual([...state.byKind.Service.keys()].sort(), ['demo/a', 'demo/b']);
  assert.equal(state.byKind.Service.get('demo/a')?.spec.ports[0].port, 8003);
}

function rebuild(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [main, 'log', 'rebuild'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', NATS_URL: '', ...env } });
}

describe('meshgate log rebuild', () => {
  it('rebuilds the snapshot of an embedded data directory from event 1', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'meshgate-rebuild-'));
    try {
      const store = await openEventStore({ dataDir: path.join(dataDir, 'pglite') });
      const head = await seed(store);
      await store.close();

      const result = rebuild({ MESHGATE_DATA_DIR: dataDir });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^rebuilt the mesh-state snapshot at sequence ${head}: ${head} events read .* 2 objects`));

      const reopened = await openEventStore({ dataDir: path.join(dataDir, 'pglite') });
      try {
        await assertRebuilt(reopened, head);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rebuilds against DATABASE_URL', async () => {
    const database = await createTestDatabase('mg_cli_rebuild');
    try {
      const store = await openEventStore({ databaseUrl: database.url });
      try {
        const head = await seed(store);
        const result = rebuild({ DATABASE_URL: database.url });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /^rebuilt the mesh-state snapshot/);
        await assertRebuilt(store, head);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DATA_DIR_LOCK_FILE, DataDirLockedError, StartupError, lockDataDir } from '../src/index.js';

const lockModule = pathToFileURL(path.resolve(import.meta.dirname, '../src/data-dir-lock.js')).href;

/** A separate process that takes the lock on `dataDir` and holds it until killed. */
async function holdInChild(dataDir: string): Promise<ChildProcess> {
  const script = `import { lockDataDir } from ${JSON.stringify(lockModule)}; lockDataDir(${JSON.stringify(dataDir)}); process.stdout.write('locked\\n'); setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'locked\n');
  return child;
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshgate-lock-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('data directory lock', () => {
  test('a second lock on the same directory is refused, naming the holder; release frees it', () =>
    withDir(async (dir) => {
      const first = lockDataDir(path.join(dir, 'data'));
      const recorded: unknown = JSON.parse(await readFile(path.join(dir, 'data', DATA_DIR_LOCK_FILE), 'utf8'));
      assert.deepEqual((recorded as { pid: number }).pid, process.pid);
      assert.throws(
        () => lockDataDir(path.join(dir, 'data')),
        (error: unknown) => error instanceof DataDirLockedError && error instanceof StartupError && error.holder.pid === process.pid,
      );
      first.release();
      first.release();
      assert.equal(await readFile(path.join(dir, 'data', DATA_DIR_LOCK_FILE), 'utf8'), '', 'a released lock names nobody');
      lockDataDir(path.join(dir, 'data')).release();
    }));

  test('another process holding the directory is named by PID, and kill -9 leaves no stale lock', () =>
    withDir(async (dir) => {
      const child = await holdInChild(dir);
      try {
        let refusal: unknown;
        try {
          lockDataDir(dir).release();
        } catch (error) {
          refusal = error;
        }
        assert.ok(refusal instanceof DataDirLockedError, `refused: ${String(refusal)}`);
        assert.equal(refusal.holder.pid, child.pid);
        assert.match(refusal.message, new RegExp(`in use by process ${String(child.pid)}\\b.*kill ${String(child.pid)}`));
        assert.equal(refusal.message.includes('\n'), false, 'one line');
      } finally {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      // The kernel dropped the dead holder's lock; its PID is still in the file, and is overwritten.
      const lock = lockDataDir(dir);
      const recorded: unknown = JSON.parse(await readFile(path.join(dir, DATA_DIR_LOCK_FILE), 'utf8'));
      assert.equal((recorded as { pid: number }).pid, process.pid);
      lock.release();
    }));
});

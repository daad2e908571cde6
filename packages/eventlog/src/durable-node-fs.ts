/**
 * PGlite's Node filesystem with working fsync, so that a commit is on disk before it returns.
 *
 * PGlite starts Postgres with `-F` (fsync off), and even with fsync on its Node filesystem (the
 * Emscripten NODEFS) has no `fsync` operation and its `fdatasync` does nothing: every write goes
 * to the kernel with `fs.writeSync`, so a committed transaction survives the process being
 * killed, but not the machine losing power. This class adds the missing operation, and
 * `DURABLE_START_PARAMS` turns fsync back on with `wal_sync_method=fsync` (the one method whose
 * call reaches the operation). Postgres then flushes the WAL at every commit and the data files
 * at every checkpoint, as it would on a server. The cost is measured in docs/decisions.md.
 */
import { fsyncSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** PGlite's own start parameters, less `-F`, with the WAL flushed by fsync. */
export const DURABLE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
];

/** What this module needs of Emscripten's NODEFS; checked at start, since it is not public API. */
interface NodeFsStreamOps {
  stream_ops: { fsync?: (stream: { nfd?: unknown }) => number };
}

function isNodeFsType(value: unknown): value is NodeFsStreamOps {
  if (typeof value !== 'object' || value === null || !('stream_ops' in value)) return false;
  const ops = value.stream_ops;
  return typeof ops === 'object' && ops !== null;
}

type ErrnoErrorClass = new (errno: number) => Error;

/** Emscripten's `FS.ErrnoError`: the only error a filesystem operation may throw back to C. */
function errnoErrorOf(fs: unknown): ErrnoErrorClass {
  const value: unknown = typeof fs === 'object' && fs !== null && 'ErrnoError' in fs ? fs.ErrnoError : undefined;
  if (typeof value !== 'function') throw new Error('eventlog: PGlite no longer exposes FS.ErrnoError; durable commits cannot be set up');
  return value as ErrnoErrorClass;
}

/** Emscripten's errno for EIO: Postgres sees a failed fsync and stops (it never retries one). */
const EMSCRIPTEN_EIO = 29;

export class DurableNodeFS extends NodeFS {
  /** How many fsync calls reached the disk (tests check that commits do). */
  fsyncCount = 0;

  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const result = await super.init(...args);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (mod) => {
        const nodefs: unknown = mod.NODEFS;
        if (!isNodeFsType(nodefs)) throw new Error('eventlog: PGlite no longer exposes NODEFS.stream_ops; durable commits cannot be set up');
        const errnoError = errnoErrorOf(mod.FS);
        nodefs.stream_ops.fsync = (stream) => {
          if (typeof stream.nfd !== 'number') return 0;
          try {
            fsyncSync(stream.nfd);
          } catch {
            throw new errnoError(EMSCRIPTEN_EIO);
          }
          this.fsyncCount += 1;
          return 0;
        };
      },
    ];
    return result;
  }
}

/**
 * One process per embedded data directory.
 *
 * PGlite does not lock its directory, and a second process that merely opens it runs crash
 * recovery and a checkpoint under the first one's feet: the directory then no longer opens
 * (`RuntimeError: Aborted()`), or loses acknowledged events. So the directory gets an exclusive
 * OS lock on `<dataDir>/meshgate.lock` (fs-native-extensions: an open file description lock on
 * Linux, flock on macOS, LockFileEx on Windows), taken before the store opens and held until it
 * has closed. The kernel drops the lock when the holder dies, `kill -9` included, so there is
 * never a stale lock to clean up; the holder's PID in the file only serves the refusal message.
 * (A PID file alone can name a dead or reused PID, and proper-lockfile's mtime heartbeat would
 * take a lock from a holder whose event loop is busy, e.g. replaying PGlite's WAL.)
 */
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { tryLock } from 'fs-native-extensions';
import { StartupError } from './startup-error.js';

export const DATA_DIR_LOCK_FILE = 'meshgate.lock';

export interface DataDirLock {
  /** The locked directory, absolute. */
  readonly dataDir: string;
  /** Unlocks (closing the file is what releases the OS lock). Idempotent. */
  release(): void;
}

/** Who holds the lock, as the holder wrote it. */
export interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
}

/** Another process holds the data directory. */
export class DataDirLockedError extends StartupError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(lockedMessage(dataDir, holder));
    this.name = 'DataDirLockedError';
  }
}

function lockedMessage(dataDir: string, holder: LockHolder): string {
  const who = holder.pid === undefined ? 'another process (it has not written its PID yet)' : `process ${holder.pid}${holder.host === undefined ? '' : ` on ${holder.host}`}`;
  const since = holder.since === undefined ? '' : ` since ${holder.since}`;
  const stop = holder.pid === undefined ? 'stop the other meshgate' : `stop it first (e.g. kill ${holder.pid})`;
  return `the data directory ${dataDir} is in use by ${who}${since}: ${stop}, or give this one its own MESHGATE_DATA_DIR (--data-dir)`;
}

/**
 * Takes the lock on `dataDir` (created when missing), or throws DataDirLockedError naming the
 * holder. Never waits: a second meshgate should refuse at once, not queue behind the first.
 */
export function lockDataDir(dataDir: string, now: () => Date = () => new Date()): DataDirLock {
  const absolute = path.resolve(dataDir);
  mkdirSync(absolute, { recursive: true });
  const file = path.join(absolute, DATA_DIR_LOCK_FILE);
  // Read-write: an exclusive lock needs a writable descriptor. The file itself is never removed,
  // so every process locks the same inode.
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644);
  let granted: boolean;
  try {
    granted = tryLock(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!granted) {
    closeSync(fd);
    throw new DataDirLockedError(absolute, readHolder(file));
  }
  try {
    ftruncateSync(fd, 0);
    const holder = { pid: process.pid, host: hostname(), since: now().toISOString() };
    writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let released = false;
  return {
    dataDir: absolute,
    release() {
      if (released) return;
      released = true;
      // Emptied first, so that the file never names a process that no longer holds it.
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The holder as recorded; empty when it has not written yet or wrote something else. */
export function readHolder(file: string): LockHolder {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  return {
    ...(typeof record.pid === 'number' && Number.isSafeInteger(record.pid) ? { pid: record.pid } : {}),
    ...(typeof record.host === 'string' ? { host: record.host } : {}),
    ...(typeof record.since === 'string' ? { since: record.since } : {}),
  };
}

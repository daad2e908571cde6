/** Helpers for watcher tests: collect what arrives and wait for it, never sleep. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';

/** Collects values pushed by a handler; `waitFor(n)` resolves once n have arrived. */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters: { count: number; resolve: (items: T[]) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (this.items.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve([...this.items]);
      }
    }
  }

  waitFor(count: number): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve([...this.items]);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger whose records are kept for assertions. */
export function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        const record: unknown = JSON.parse(line);
        if (typeof record === 'object' && record !== null && 'msg' in record && 'level' in record) {
          records.push({ ...record, level: Number(record.level), msg: String(record.msg) });
        }
      },
    },
  );
  return { logger, records };
}

export const WARN = 40;

export function tempDirectory(): { directory: string; remove: () => void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'meshgate-watcher-'));
  return { directory, remove: () => fs.rmSync(directory, { recursive: true, force: true }) };
}

/** Bound for every test: a lost message fails the test instead of hanging the run. */
export const TEST_TIMEOUT_MS = 15_000;

/** Helpers for watcher tests: collect what arrives and wait for it, never sleep. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Inbox } from '@meshgate/testkit';

export { Inbox };


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

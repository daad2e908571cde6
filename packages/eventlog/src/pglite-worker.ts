/**
 * The worker thread that hosts PGlite for `PgliteThreadDatabase`: PGlite is WASM that runs
 * synchronously on whichever thread calls it, so a large write held the main event loop for
 * up to a second. Here it holds only this thread. Requests come as messages (see
 * pglite-protocol.ts); each transaction stays open, in PGlite's own `transaction`, until the
 * main thread ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PgliteDatabase } from './pglite-database.js';
import { serialiseError, type Reply, type Request } from './pglite-protocol.js';
import type { SqlExecutor } from './sql-database.js';

const port = parentPort;
if (port === null) throw new Error('pglite-worker must run as a worker thread');

/** Thrown inside PGlite's transaction to roll it back when the main thread asks to. */
class Rollback extends Error {}

interface OpenTransaction {
  tx: SqlExecutor;
  end: (commit: boolean) => void;
  done: Promise<void>;
}

const dataDir = (workerData as { dataDir?: string }).dataDir;
const transactions = new Map<number, OpenTransaction>();
const opened = PgliteDatabase.open(dataDir);
// Reported by the first request that awaits it; not an unhandled rejection meanwhile.
opened.catch(() => undefined);

function reply(message: Reply): void {
  port?.postMessage(message);
}

async function begin(db: PgliteDatabase, txId: number): Promise<void> {
  let began!: () => void;
  const ready = new Promise<void>((resolve) => (began = resolve));
  let end!: (commit: boolean) => void;
  const ended = new Promise<boolean>((resolve) => (end = resolve));
  const done = db
    .transaction(async (tx) => {
      transactions.set(txId, { tx, end, done });
      began();
      if (!(await ended)) throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    })
    .finally(() => transactions.delete(txId));
  // A failure to begin is reported as this request's failure.
  await Promise.race([ready, done]);
}

async function handle(request: Request): Promise<unknown> {
  const db = await opened;
  switch (request.op) {
    case 'ready':
      return null;
    case 'query': {
      const executor = request.txId === undefined ? db : transactions.get(request.txId)?.tx;
      if (executor === undefined) throw new Error(`eventlog: no open transaction ${request.txId}`);
      return executor.query(request.sql, request.params);
    }
    case 'begin':
      await begin(db, request.txId);
      return null;
    case 'end': {
      const open = transactions.get(request.txId);
      if (open === undefined) throw new Error(`eventlog: no open transaction ${request.txId}`);
      open.end(request.commit);
      await open.done;
      return null;
    }
    case 'close':
      await db.close();
      return null;
  }
}

port.on('message', (request: Request) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: serialiseError(error) }),
  );
});

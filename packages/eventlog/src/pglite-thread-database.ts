/**
 * `SqlDatabase` over PGlite running in a worker thread (pglite-worker.ts), so that the
 * embedded store's work — a 1 MiB apply, a snapshot, a replay — never holds the main event
 * loop. Same semantics as `PgliteDatabase`: one connection; a statement issued while a
 * transaction is open waits for it (PGlite's own lock, in the worker).
 */
import { Worker } from 'node:worker_threads';
import { deserialiseError, type Reply, type Request } from './pglite-protocol.js';
import type { Row, SqlDatabase, SqlExecutor } from './sql-database.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
/** A request before its id is assigned. */
type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class PgliteThreadDatabase implements SqlDatabase {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextTxId = 1;
  private failure?: Error;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`eventlog: the PGlite worker exited (code ${code})`)));
  }

  /** Opens (creating when missing) a database in `dataDir`, or an in-memory one without it. */
  static async open(dataDir?: string): Promise<PgliteThreadDatabase> {
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir } });
    const db = new PgliteThreadDatabase(worker);
    try {
      await db.request({ op: 'ready' });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return db;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.request({ op: 'query', sql, params: [...params] })) as Row[];
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const txId = this.nextTxId++;
    await this.request({ op: 'begin', txId });
    let result: T;
    try {
      result = await work({
        query: async (sql, params = []) => (await this.request({ op: 'query', sql, params: [...params], txId })) as Row[],
      });
    } catch (error) {
      await this.request({ op: 'end', txId, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.request({ op: 'end', txId, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (this.failure === undefined) await this.request({ op: 'close' });
    await this.worker.terminate();
  }

  private request(body: Body): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The worker keeps the process alive only while an answer is awaited, as a socket would.
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...body, id } as Request);
    });
  }

  private settle(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(deserialiseError(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}

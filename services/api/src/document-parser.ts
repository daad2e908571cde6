/**
 * Parses request bodies on a worker thread, so that `/healthz` and every other request keep
 * being answered while a large body is parsed. One worker, started on first use, takes the
 * requests in turn; if it dies, the requests it held fail and the next one starts a new worker.
 * Small bodies (most applies) are parsed in place: a few milliseconds, less than the hop.
 */
import { Worker } from 'node:worker_threads';
import { parseDocuments, type ParseLimits, type ParseResult } from '@meshgate/model';
import type { ParseRequest } from './parse-worker.js';

interface Pending {
  resolve(result: ParseResult): void;
  reject(error: Error): void;
}

/** Bodies up to this many characters parse in well under 50 ms: not worth a thread hop. */
export const INLINE_PARSE_MAX_CHARS = 32 * 1024;

export class DocumentParser {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  parse(text: string, limits: ParseLimits): Promise<ParseResult> {
    if (text.length <= INLINE_PARSE_MAX_CHARS) return Promise.resolve(parseDocuments(text, limits));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ParseRequest = { id, text, limits };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the document parser was closed'));
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    // An idle worker must not keep the process alive.
    worker.unref();
    worker.on('message', (message: { id: number; result: ParseResult }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiting?.resolve(message.result);
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the document parser stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/** Small helpers for bus tests: wait on what handlers receive instead of sleeping. */
import type { ResourceChanged } from '../src/index.js';

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

/** A promise with its resolve/reject in hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let counter = 0;

/** A valid change; `id` doubles as the object's name unless overridden. */
export function change(id: string, overrides: Partial<ResourceChanged> = {}): ResourceChanged {
  counter += 1;
  return {
    id,
    source: 'test:bus',
    op: 'apply',
    kind: 'Service',
    namespace: 'bookstore',
    name: id,
    object: { apiVersion: 'v1', kind: 'Service', metadata: { name: id, namespace: 'bookstore' }, spec: { n: counter } },
    ...overrides,
  };
}

export function ids(changes: ResourceChanged[]): string[] {
  return changes.map((c) => c.id);
}

/** Bound for every test: a lost message fails fast instead of hanging the run. */
export const TEST_TIMEOUT_MS = 15_000;

/** Small helpers for bus tests: wait on what handlers receive instead of sleeping. */
import type { ResourceChanged } from '../src/index.js';
import { Inbox } from '@meshgate/testkit';

export { Inbox };


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

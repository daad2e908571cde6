/** Running subscriber callbacks so that a failing one is reported, never crashes the bus. */
import { asError } from './options.js';
import type { Doorbell } from './types.js';

/**
 * Calls a doorbell handler; a throw or a rejected promise (an async handler fits the `void`
 * signature) goes to `onError`.
 */
export function ringHandler(handler: (doorbell: Doorbell) => void, doorbell: Doorbell, onError: (error: Error) => void): void {
  const report = (error: unknown) => onError(new Error(`bus: doorbell handler failed: ${asError(error).message}`));
  try {
    const result: unknown = handler(doorbell);
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}

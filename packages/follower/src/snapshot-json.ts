/**
 * `serialiseState` as JSON text, built in slices with a macrotask between them, so that
 * writing a snapshot of a large state never holds the event loop for long (the api answers
 * and xds pushes meanwhile). The caller passes a state that does not change while this runs
 * (a `cloneState`); stored objects are never mutated, so the clone shares them safely.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { serialiseState, type MeshState } from '@meshgate/model';

/** Objects stringified between two yields (~1 KB each: a few milliseconds of work). */
const SLICE = 500;

export async function serialiseStateJson(state: MeshState): Promise<string> {
  const { objects, created, ...header } = serialiseState(state);
  const parts: string[] = [];
  for (let start = 0; start < objects.length; start += SLICE) {
    await yieldToLoop();
    for (const object of objects.slice(start, start + SLICE)) parts.push(JSON.stringify(object));
  }
  await yieldToLoop();
  // The same text as JSON.stringify(serialiseState(state)), key order included.
  const head = JSON.stringify(header).slice(0, -1);
  return `${head},"objects":[${parts.join(',')}],"created":${JSON.stringify(created)}}`;
}

/**
 * Changes written as the api writes them: events appended to the log, the doorbell rung, and the
 * xds service's follower caught up before the test goes on.
 */
import assert from 'node:assert/strict';
import type { Bus } from '@meshgate/bus';
import type { EventStore, NewEvent } from '@meshgate/eventlog';
import { digestOf, objectKey, parseDocuments, validateDocument, type MeshObject } from '@meshgate/model';
import type { XdsService } from '../../src/app.js';

export interface LogUnderTest {
  store: EventStore;
  bus: Bus;
  xds: XdsService;
}

/** Appends `events`, rings the doorbell and waits for the xds service to follow; the new head. */
export async function appendAndFollow({ store, bus, xds }: LogUnderTest, events: NewEvent[]): Promise<number> {
  const { written } = await store.append(events);
  const head = written[written.length - 1].sequence;
  await bus.ringDoorbell({ head });
  await xds.follower.waitFor(head);
  return head;
}

/** The `ResourceApplied` event of a validated object. */
export function appliedEvent(object: MeshObject): NewEvent {
  return { streamId: objectKey(object), type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } };
}

/** The documents of a YAML text, validated (a test's own input: invalid is a failure), as `ResourceApplied` events. */
export function appliedEvents(yaml: string): NewEvent[] {
  const parsed = parseDocuments(yaml);
  assert.ok(parsed.ok);
  return parsed.documents.map((doc) => {
    const result = validateDocument(doc);
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
    return appliedEvent(result.value);
  });
}

/**
 * `blame`: the events that shaped one object — each apply and delete of its stream, in order,
 * with who sent it and which fields it changed relative to the version before.
 */
import type { StoredEvent } from '@meshgate/eventlog';
import { asMeshEvent, type MeshObject } from '@meshgate/model';
import { fieldChanges, type FieldChange } from './field-changes.js';

export interface BlameEntry {
  sequence: number;
  recordedAt: string;
  type: string;
  /** `api`, `manifests:<file>`, `kubernetes`, … as the event recorded it. */
  source: string;
  /** created (first, or again after a delete), configured, deleted. */
  action: 'created' | 'configured' | 'deleted';
  /** For `configured`: the fields this event changed. */
  fields?: FieldChange[];
  omittedFields?: number;
}

/** One entry per apply or delete event of the stream, in log order; other event types are skipped. */
export function blameEntries(events: readonly StoredEvent[]): BlameEntry[] {
  let previous: MeshObject | undefined;
  const entries: BlameEntry[] = [];
  for (const event of events) {
    const meshEvent = asMeshEvent(event);
    if (meshEvent === undefined) continue;
    const base = { sequence: event.sequence, recordedAt: event.recordedAt, type: event.type, source: meshEvent.data.source };
    if (meshEvent.type === 'ResourceDeleted') {
      entries.push({ ...base, action: 'deleted' });
      previous = undefined;
      continue;
    }
    const object = meshEvent.data.object;
    if (previous === undefined) entries.push({ ...base, action: 'created' });
    else {
      const { changes, omitted } = fieldChanges(previous, object);
      entries.push({ ...base, action: 'configured', fields: changes, ...(omitted > 0 ? { omittedFields: omitted } : {}) });
    }
    previous = object;
  }
  return entries;
}

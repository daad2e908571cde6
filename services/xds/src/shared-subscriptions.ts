/**
 * Subscriptions shared between streams. 2,000 gateways subscribe to the same 1,000 cluster names
 * for EDS: held per stream, the names (a Set of strings) and the bytes an ACK is compared with cost
 * ~150 KiB per gateway. Streams whose requests carry the same encoded names get the same frozen
 * pair instead. The table is bounded (least recently used out): a pair it forgets stays alive
 * while a stream holds it, and a new identical request simply makes a new one.
 */
import { createHash } from 'node:crypto';

export interface SharedSubscription {
  /** The encoded resource_names, as a request carried them (a copy: the request's buffer is not kept). */
  readonly key: Buffer;
  /** The decoded names; never changed (streams replace their subscription, they do not edit it). */
  readonly names: ReadonlySet<string>;
}

const MAX_ENTRIES = 512;
const table = new Map<string, SharedSubscription>();

/** The shared subscription for `key` (the encoded names) whose decoded form is `names`. */
export function sharedSubscription(typeUrl: string, key: Buffer, names: readonly string[]): SharedSubscription {
  const id = `${typeUrl} ${createHash('sha256').update(key).digest('base64')}`;
  const found = table.get(id);
  if (found && found.key.equals(key)) {
    // Most recently used last, so that the oldest is the first to go.
    table.delete(id);
    table.set(id, found);
    return found;
  }
  const made: SharedSubscription = { key: Buffer.from(key), names: new Set(names) };
  table.set(id, made);
  if (table.size > MAX_ENTRIES) table.delete(table.keys().next().value as string);
  return made;
}

/** How many subscriptions the table holds (tests). */
export function sharedSubscriptionCount(): number {
  return table.size;
}

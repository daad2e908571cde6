/**
 * ServiceEntries that cannot both be served (istio#6695). A TCP (or MONGO) port of a
 * ServiceEntry without `addresses` can only be matched by port: the sidecar listens on
 * `0.0.0.0:<port>` and sends everything there to that entry. A second such entry on the same
 * port would silently share (or steal) that listener, so the later one is refused at apply,
 * naming both. The earlier one is the one already stored; within one request, the earlier
 * document.
 */
import { objectKey } from './keys.js';
import type { MeshObject, ServiceEntryObject } from './types.js';
import { isOpaqueTcpProtocol } from './validate/service-entry.js';

export interface ServiceEntryPortCollision {
  /** The entry refused. */
  entry: ServiceEntryObject;
  port: number;
  /** The entry that holds the port. */
  holder: ServiceEntryObject;
}

function addresslessTcpPorts(entry: ServiceEntryObject): number[] {
  if (entry.spec.addresses.length > 0) return [];
  return entry.spec.ports.filter((port) => isOpaqueTcpProtocol(port.protocol)).map((port) => port.number);
}

/** The collisions `incoming` (in request order) would create among `stored` (entries they replace excepted). */
export function serviceEntryPortCollisions(stored: Iterable<ServiceEntryObject>, incoming: readonly MeshObject[]): ServiceEntryPortCollision[] {
  const entries = incoming.filter((object): object is ServiceEntryObject => object.kind === 'ServiceEntry');
  if (entries.length === 0) return [];
  const replaced = new Set(entries.map((entry) => objectKey(entry)));
  const holders = new Map<number, ServiceEntryObject>();
  const byName = (a: ServiceEntryObject, b: ServiceEntryObject) => (objectKey(a) < objectKey(b) ? -1 : 1);
  for (const entry of [...stored].sort(byName)) {
    if (replaced.has(objectKey(entry))) continue;
    for (const port of addresslessTcpPorts(entry)) if (!holders.has(port)) holders.set(port, entry);
  }
  const collisions: ServiceEntryPortCollision[] = [];
  for (const entry of entries) {
    for (const port of addresslessTcpPorts(entry)) {
      const holder = holders.get(port);
      if (holder) collisions.push({ entry, port, holder });
      else holders.set(port, entry);
    }
  }
  return collisions;
}

/** The message naming both entries. */
export function describeCollision({ entry, port, holder }: ServiceEntryPortCollision): string {
  return (
    `TCP port ${port} without addresses is already taken by ServiceEntry ${holder.metadata.namespace}/${holder.metadata.name} (hosts ${holder.spec.hosts.join(', ')}); ` +
    `ServiceEntry ${entry.metadata.namespace}/${entry.metadata.name} would collide with it on 0.0.0.0:${port} (istio#6695): give one of them addresses`
  );
}

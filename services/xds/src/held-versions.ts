/**
 * `initial_resource_versions` read off the request's bytes and checked against a snapshot without
 * turning them into strings.
 *
 * A reconnecting Envoy gateway lists, per type, every resource it holds with its version: 1,000
 * clusters and 1,000 assignments. In a reconnect storm of 2,000 gateways that is 4 million
 * name–version pairs; decoded into strings, put in a map per stream and compared one by one, they
 * were most of the storm's server time and garbage. Here the scanner (wire.ts) keeps only where
 * each pair lies in the request, and the first answer of the type looks each name up in an index
 * of the snapshot's names by their bytes (built once per snapshot, shared by every stream) and
 * compares the version bytes: only the pairs that differ — a resource at another version, or one
 * the snapshot does not have — become strings.
 */
import type { EncodedResource, TypeSnapshot } from './resource-cache.js';
import type { HeldVersionsBytes } from './wire.js';

/**
 * What a proxy that says it holds `held` holds of `snapshot`, as the names where it differs from
 * the snapshot (restricted to `subscribed`): a version for a resource held at another version or
 * one the snapshot does not have, null for a subscribed resource it does not hold. Every other
 * subscribed resource of the snapshot it holds at the snapshot's version.
 */
export function heldAgainst(held: HeldVersionsBytes, snapshot: TypeSnapshot, subscribed: (name: string) => boolean): Map<string, string | null> {
  const index = nameIndexOf(snapshot);
  const { buffer, offsets } = held;
  const listed = new Uint8Array(index.resources.length);
  const differs = new Map<string, string | null>();
  for (let i = 0; i < offsets.length; i += 4) {
    const at = index.find(buffer, offsets[i], offsets[i + 1]);
    if (at < 0) {
      differs.set(buffer.toString('utf8', offsets[i], offsets[i + 1]), buffer.toString('utf8', offsets[i + 2], offsets[i + 3]));
      continue;
    }
    const resource = index.resources[at];
    listed[at] = 1;
    // (Held at the current version but not subscribed is the same as held: that is forgotten after the answer, in both cases.)
    if (sameBytes(buffer, offsets[i + 2], offsets[i + 3], index.versions[at])) differs.delete(resource.name); // a later entry of a name wins, as in a decoded map
    else differs.set(resource.name, buffer.toString('utf8', offsets[i + 2], offsets[i + 3]));
  }
  for (let at = 0; at < index.resources.length; at++) {
    const name = index.resources[at].name;
    if (!listed[at] && subscribed(name)) differs.set(name, null);
  }
  return differs;
}

/** The same entries as strings (name → version), for when there is no snapshot to check them against. */
export function decodeHeld(held: HeldVersionsBytes): Map<string, string> {
  const { buffer, offsets } = held;
  const versions = new Map<string, string>();
  for (let i = 0; i < offsets.length; i += 4) versions.set(buffer.toString('utf8', offsets[i], offsets[i + 1]), buffer.toString('utf8', offsets[i + 2], offsets[i + 3]));
  return versions;
}

/** A snapshot's resources findable by the bytes of their names (open addressing over an FNV-1a hash). */
class NameIndex {
  readonly resources: EncodedResource[];
  /** Per resource, its name and version as UTF-8. */
  readonly names: Buffer[];
  readonly versions: Buffer[];
  /** Slot → resource position + 1 (0: empty); a power of two at least twice the resources. */
  private readonly slots: Int32Array;

  constructor(snapshot: TypeSnapshot) {
    this.resources = [...snapshot.resources.values()];
    this.names = this.resources.map((resource) => bytesOf(resource).name);
    this.versions = this.resources.map((resource) => bytesOf(resource).version);
    let size = 16;
    while (size < this.resources.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    const mask = size - 1;
    this.names.forEach((name, at) => {
      let slot = fnv1a(name, 0, name.length) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = at + 1;
    });
  }

  /** The position of the resource named by `buffer[start, end)`, or -1. */
  find(buffer: Buffer, start: number, end: number): number {
    const mask = this.slots.length - 1;
    let slot = fnv1a(buffer, start, end) & mask;
    for (;;) {
      const at = this.slots[slot] - 1;
      if (at < 0) return -1;
      if (sameBytes(buffer, start, end, this.names[at])) return at;
      slot = (slot + 1) & mask;
    }
  }
}

const indexes = new WeakMap<TypeSnapshot, NameIndex>();

function nameIndexOf(snapshot: TypeSnapshot): NameIndex {
  let index = indexes.get(snapshot);
  if (!index) indexes.set(snapshot, (index = new NameIndex(snapshot)));
  return index;
}

/** A resource's name and version as bytes, made once per resource (resources are shared by the snapshots that hold them unchanged). */
const encodedOnce = new WeakMap<EncodedResource, { name: Buffer; version: Buffer }>();

function bytesOf(resource: EncodedResource): { name: Buffer; version: Buffer } {
  let bytes = encodedOnce.get(resource);
  if (!bytes) encodedOnce.set(resource, (bytes = { name: Buffer.from(resource.name), version: Buffer.from(resource.hash) }));
  return bytes;
}

function fnv1a(buffer: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buffer[i], 0x01000193);
  return hash >>> 0;
}

function sameBytes(buffer: Buffer, start: number, end: number, expected: Buffer): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buffer[start + i] !== expected[i]) return false;
  return true;
}

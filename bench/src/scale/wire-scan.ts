/**
 * The simulator's cheap reading of discovery responses: only the top-level fields, off the bytes,
 * with the resources left as byte ranges — a proxy that ACKs needs the version and the nonce, and
 * the resources only when it follows them (CDS → EDS, LDS → RDS), which it reads once per distinct
 * content (`ResponseMemo`). Decoding every response whole would make the simulator, on the same
 * cores as the server, the bottleneck it is meant to measure.
 *
 * Field numbers (envoy/service/discovery/v3/discovery.proto): DiscoveryResponse version_info 1,
 * resources 2, type_url 4, nonce 5; DeltaDiscoveryResponse system_version_info 1, resources 2,
 * type_url 4, nonce 5, removed_resources 6; Resource version 1, resource 2, name 3; Any
 * type_url 1, value 2. DiscoveryRequest version_info 1, resource_names 3, type_url 4,
 * response_nonce 5. DeltaDiscoveryRequest node 1, type_url 2, resource_names_subscribe 3,
 * resource_names_unsubscribe 4, initial_resource_versions 5, response_nonce 6.
 */
import { lengthDelimited, readVarint, stringField } from '@meshgate/xds';

export interface ScannedResponse {
  version: string;
  typeUrl: string;
  nonce: string;
  /** The bytes from the first resource entry to the end of the last (entries are contiguous as the server writes them). */
  section: Buffer;
  removed: string[];
}

/** Calls `each(field, start, end)` for every length-delimited field of `buffer[from, to)`; skips varints and fixed fields. */
export function fields(buffer: Buffer, each: (field: number, start: number, end: number) => void, from = 0, to = buffer.length): void {
  let at = from;
  while (at < to) {
    const [tag, afterTag] = readVarint(buffer, at);
    const wire = tag & 7;
    const field = Math.floor(tag / 8);
    if (wire === 2) {
      const [length, start] = readVarint(buffer, afterTag);
      each(field, start, start + length);
      at = start + length;
    } else if (wire === 0) at = readVarint(buffer, afterTag)[1];
    else if (wire === 1) at = afterTag + 8;
    else if (wire === 5) at = afterTag + 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
}

/** The top-level fields of a DiscoveryResponse or a DeltaDiscoveryResponse. */
export function scanResponse(buffer: Buffer): ScannedResponse {
  let version = '';
  let typeUrl = '';
  let nonce = '';
  let first = -1;
  let last = -1;
  const removed: string[] = [];
  fields(buffer, (field, start, end) => {
    if (field === 1) version = buffer.toString('utf8', start, end);
    else if (field === 2) {
      if (first < 0) first = start - headerLength(buffer, start);
      last = end;
    } else if (field === 4) typeUrl = buffer.toString('utf8', start, end);
    else if (field === 5) nonce = buffer.toString('utf8', start, end);
    else if (field === 6) removed.push(buffer.toString('utf8', start, end));
  });
  return { version, typeUrl, nonce, section: first < 0 ? Buffer.alloc(0) : buffer.subarray(first, last), removed };
}

/** How many bytes the tag and length before `start` take (the tag of fields 1–15 is one byte). */
function headerLength(buffer: Buffer, start: number): number {
  let n = 1; // the length varint's last byte
  while (buffer[start - 1 - n] >= 128) n++;
  return n + 1; // and the one-byte tag
}

/** The value of a message's field `want` within `[start, end)`, as a subarray (no copy). */
function subfield(buffer: Buffer, want: number, start: number, end: number): Buffer | undefined {
  let found: Buffer | undefined;
  fields(buffer, (field, s, e) => (field === want ? (found = buffer.subarray(s, e)) : undefined), start, end);
  return found;
}

/** The resources of a SotW section: each `Any`'s value. */
export function sotwValues(section: Buffer): Buffer[] {
  const out: Buffer[] = [];
  fields(section, (field, start, end) => {
    const value = field === 2 ? subfield(section, 2, start, end) : undefined;
    if (value) out.push(value);
  });
  return out;
}

/** The resources of a delta section: each `Resource`'s name, version and its `Any`'s value. */
export function deltaEntries(section: Buffer): { name: string; version: string; value?: Buffer }[] {
  const out: { name: string; version: string; value?: Buffer }[] = [];
  fields(section, (field, start, end) => {
    if (field !== 2) return;
    let name = '';
    let version = '';
    let value: Buffer | undefined;
    fields(
      section,
      (inner, s, e) => {
        if (inner === 3) name = section.toString('utf8', s, e);
        else if (inner === 1) version = section.toString('utf8', s, e);
        else if (inner === 2) value = subfield(section, 2, s, e);
      },
      start,
      end,
    );
    out.push({ name, version, value });
  });
  return out;
}

/**
 * What was read from a section, once per distinct content: keyed by the bytes themselves when
 * short, else by type, version and length and confirmed byte for byte (a memcmp, not a decode).
 */
export class ResponseMemo<T> {
  private readonly small = new Map<string, T>();
  private readonly large = new Map<string, { section: Buffer; value: T }>();

  get(typeUrl: string, version: string, section: Buffer, read: () => T): T {
    if (section.length < 4096) {
      const key = `${typeUrl}|${section.toString('latin1')}`;
      let value = this.small.get(key);
      if (value === undefined) this.small.set(key, (value = read()));
      return value;
    }
    const key = `${typeUrl}|${version}|${section.length}`;
    const found = this.large.get(key);
    if (found && found.section.equals(section)) return found.value;
    const value = read();
    this.large.set(key, { section, value });
    return value;
  }
}

/** `resource_names` (field 3) of a DiscoveryRequest — or `resource_names_subscribe` of a delta one — encoded once per list and reused in every ACK. */
export function encodedNames(names: readonly string[]): Buffer {
  return encodedStrings(3, names);
}

/** A repeated string field. */
export function encodedStrings(field: number, values: Iterable<string>): Buffer {
  const parts: Buffer[] = [];
  for (const value of values) parts.push(lengthDelimited(field, Buffer.from(value, 'utf8')));
  return Buffer.concat(parts);
}

/** `initial_resource_versions` (field 5) of a DeltaDiscoveryRequest: map entries of name (1) and version (2). */
export function encodedVersions(versions: Iterable<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, version] of versions) parts.push(lengthDelimited(5, Buffer.concat([stringField(1, name), stringField(2, version)])));
  return Buffer.concat(parts);
}

/**
 * A delta request without a node, from its parts: type_url 2, resource_names_subscribe 3 and
 * initial_resource_versions 5 (pre-encoded), resource_names_unsubscribe 4, response_nonce 6.
 */
export function deltaRequestBytes(typeUrl: string, parts: { subscribe?: Buffer; unsubscribe?: Buffer; versions?: Buffer; nonce?: string }): Buffer {
  const out = [stringField(2, typeUrl)];
  if (parts.subscribe) out.push(parts.subscribe);
  if (parts.unsubscribe) out.push(parts.unsubscribe);
  if (parts.versions) out.push(parts.versions);
  if (parts.nonce !== undefined) out.push(stringField(6, parts.nonce));
  return Buffer.concat(out);
}

/** A SotW ACK or request without a node: version, the names (pre-encoded), type, nonce. */
export function sotwRequestBytes(typeUrl: string, names: Buffer, version: string, nonce: string): Buffer {
  return Buffer.concat([stringField(1, version), names, stringField(4, typeUrl), stringField(5, nonce)]);
}

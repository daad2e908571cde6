/**
 * Discovery responses written as bytes, from parts encoded once and shared by every stream.
 *
 * A protobuf message is the concatenation of its fields in any order, and a repeated field is
 * its entries one after another. So each resource's entry of `DiscoveryResponse.resources`
 * (an `Any`) and of `DeltaDiscoveryResponse.resources` (a `Resource`) is encoded once, when the
 * resource is; a response is those entries plus a few short fields, and the only part that
 * differs between two streams sent the same thing is the nonce, appended last.
 *
 * Field numbers (envoy/service/discovery/v3/discovery.proto): DiscoveryResponse version_info 1,
 * resources 2, type_url 4, nonce 5; DeltaDiscoveryResponse system_version_info 1, resources 2,
 * type_url 4, nonce 5, removed_resources 6; Resource version 1, resource 2, name 3;
 * Any type_url 1, value 2.
 */

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 127) {
    bytes.push((value & 127) | 128);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** A length-delimited field: tag, length, bytes. */
export function lengthDelimited(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

/** A string field: nothing when empty (proto3's default), else tag, length, UTF-8 bytes. */
export function stringField(field: number, value: string): Buffer {
  return value === '' ? Buffer.alloc(0) : lengthDelimited(field, Buffer.from(value, 'utf8'));
}

/** `Any { type_url, value }`. */
export function anyBytes(typeUrl: string, value: Buffer): Buffer {
  return Buffer.concat([stringField(1, typeUrl), lengthDelimited(2, value)]);
}

/** The entry of `DiscoveryResponse.resources` for one resource. */
export function sotwResourceEntry(any: Buffer): Buffer {
  return lengthDelimited(2, any);
}

/** The entry of `DeltaDiscoveryResponse.resources` for one resource: `Resource { name, version, resource }`. */
export function deltaResourceEntry(name: string, version: string, any: Buffer): Buffer {
  return lengthDelimited(2, Buffer.concat([stringField(3, name), stringField(1, version), lengthDelimited(2, any)]));
}

/** A DiscoveryResponse without its nonce: share it, and add the nonce per stream with `withNonce`. */
export function sotwBody(version: string, typeUrl: string, entries: readonly Buffer[]): Buffer {
  return Buffer.concat([stringField(1, version), ...entries, stringField(4, typeUrl)]);
}

/** A DeltaDiscoveryResponse without its nonce. */
export function deltaBody(systemVersion: string, typeUrl: string, entries: readonly Buffer[], removed: readonly string[]): Buffer {
  return Buffer.concat([stringField(1, systemVersion), ...entries, stringField(4, typeUrl), ...removed.map((name) => lengthDelimited(6, Buffer.from(name, 'utf8')))]);
}

/** Field 5 (`nonce`) of either response. */
export function withNonce(body: Buffer, nonce: string): Buffer {
  return Buffer.concat([body, stringField(5, nonce)]);
}

/**
 * A response already encoded, written through the service's serializer untouched (see
 * `passPrebuilt`). The fields the server reads back (metrics, status) ride along.
 */
export class PrebuiltResponse {
  constructor(
    readonly typeUrl: string,
    readonly version: string,
    readonly nonce: string,
    readonly body: Buffer,
    readonly resourceCount: number,
    /** The whole message when it is shared with other streams (`sharedResponse`). */
    private readonly framed?: Buffer,
  ) {}

  bytes(): Buffer {
    return this.framed ?? withNonce(this.body, this.nonce);
  }
}

/** Per body, the nonce every stream sent it gets and the whole message with that nonce, built once. */
const framedBodies = new WeakMap<Buffer, { nonce: string; bytes: Buffer }>();
let sharedNonces = 0;

/**
 * The response carrying `body`, with the nonce and bytes shared by every stream sent that body:
 * a nonce only has to tell a stream's responses apart, and a stream is sent a given body under
 * that nonce once — should the same body go to it again (a changed subscription that changes
 * nothing), `lastNonce` is that nonce and the response gets `ownNonce()` and bytes of its own.
 * Shared nonces are `s<n>`, never equal to a stream's own ones (digits only).
 */
export function sharedResponse(typeUrl: string, version: string, body: Buffer, resourceCount: number, lastNonce: string | undefined, ownNonce: () => string): PrebuiltResponse {
  let framed = framedBodies.get(body);
  if (!framed) {
    const nonce = `s${++sharedNonces}`;
    framed = { nonce, bytes: withNonce(body, nonce) };
    framedBodies.set(body, framed);
  }
  if (framed.nonce === lastNonce) return new PrebuiltResponse(typeUrl, version, ownNonce(), body, resourceCount);
  return new PrebuiltResponse(typeUrl, version, framed.nonce, body, resourceCount, framed.bytes);
}

/** Wraps a method's response serializer so that a PrebuiltResponse goes out as its bytes. */
export function passPrebuilt<T>(serialize: (value: T) => Buffer): (value: T | PrebuiltResponse) => Buffer {
  return (value) => (value instanceof PrebuiltResponse ? value.bytes() : serialize(value));
}

/** A varint at `at`: its value and the offset after it. */
export function readVarint(buffer: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (at >= buffer.length) throw new RangeError('truncated varint');
    const byte = buffer[at++];
    value += (byte & 127) * scale;
    if (byte < 128) return [value, at];
    scale *= 128;
  }
}

/**
 * A DiscoveryRequest read off its bytes: what an ACK carries (version_info 1, resource_names 3,
 * type_url 4, response_nonce 5). `names_key` is the bytes of its resource_names fields: a
 * request whose key equals the previous one's names the same resources, so the names are
 * decoded only when they differ (an Envoy gateway repeats 1,000 cluster names in every EDS ACK).
 */
export class ScannedDiscoveryRequest {
  type_url = '';
  version_info = '';
  response_nonce = '';
  private names?: string[];

  constructor(
    private readonly buffer: Buffer,
    private readonly nameRanges: number[],
    readonly names_key: Buffer,
  ) {}

  get resource_names(): string[] {
    if (!this.names) {
      this.names = [];
      for (let i = 0; i < this.nameRanges.length; i += 2) this.names.push(this.buffer.toString('utf8', this.nameRanges[i], this.nameRanges[i + 1]));
    }
    return this.names;
  }
}

/** Fields of DiscoveryRequest that only the full decoder reads: node 2, error_detail 6, resource_locators 7. */
const FULLY_DECODED_FIELDS = new Set([2, 6, 7]);

/**
 * Wraps a SotW request deserializer: a request with only ACK fields is scanned
 * (`ScannedDiscoveryRequest`); one with a node, an error or anything unexpected goes to the full
 * decoder and gets its `names_key` too.
 */
export function scanningDiscoveryRequests<T extends object>(deserialize: (buffer: Buffer) => T): (buffer: Buffer) => T | ScannedDiscoveryRequest {
  return (buffer) => {
    const ranges: number[] = [];
    const keyParts: [number, number][] = [];
    const texts = new Map<number, string>();
    let full = false;
    let at = 0;
    try {
      while (at < buffer.length) {
        const fieldStart = at;
        const [tag, afterTag] = readVarint(buffer, at);
        const field = Math.floor(tag / 8);
        if ((tag & 7) !== 2 || FULLY_DECODED_FIELDS.has(field)) {
          full = true;
          break;
        }
        const [length, start] = readVarint(buffer, afterTag);
        const end = start + length;
        if (end > buffer.length) throw new RangeError('truncated field');
        if (field === 3) {
          ranges.push(start, end);
          const last = keyParts[keyParts.length - 1];
          if (last && last[1] === fieldStart) last[1] = end;
          else keyParts.push([fieldStart, end]);
        } else if (field === 1 || field === 4 || field === 5) texts.set(field, buffer.toString('utf8', start, end));
        at = end;
      }
    } catch {
      full = true;
    }
    if (full) {
      const decoded = deserialize(buffer);
      return Object.assign(decoded, { names_key: namesKeyOf(buffer) });
    }
    const key = keyParts.length === 1 ? buffer.subarray(keyParts[0][0], keyParts[0][1]) : Buffer.concat(keyParts.map(([s, e]) => buffer.subarray(s, e)));
    const request = new ScannedDiscoveryRequest(buffer, ranges, key);
    request.version_info = texts.get(1) ?? '';
    request.type_url = texts.get(4) ?? '';
    request.response_nonce = texts.get(5) ?? '';
    return request;
  };
}

/** The bytes of the resource_names fields of a request (any field order), or undefined when it cannot be read. */
function namesKeyOf(buffer: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  try {
    while (at < buffer.length) {
      const fieldStart = at;
      const [tag, afterTag] = readVarint(buffer, at);
      const wire = tag & 7;
      if (wire === 0) at = readVarint(buffer, afterTag)[1];
      else if (wire === 1) at = afterTag + 8;
      else if (wire === 5) at = afterTag + 4;
      else if (wire === 2) {
        const [length, start] = readVarint(buffer, afterTag);
        at = start + length;
        if (Math.floor(tag / 8) === 3) parts.push(buffer.subarray(fieldStart, at));
      } else return undefined;
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(parts);
}

/** Fields of DeltaDiscoveryRequest that only the full decoder reads: error_detail 7, resource locators 8 and 9. */
const DELTA_FULLY_DECODED_FIELDS = new Set([7, 8, 9]);

/**
 * A DeltaDiscoveryRequest without an error, read off its bytes (type_url 2, subscribe 3,
 * unsubscribe 4, initial_resource_versions 5, response_nonce 6); its node (1), when there is one,
 * is decoded alone.
 */
export interface ScannedDeltaRequest {
  node?: unknown;
  type_url: string;
  resource_names_subscribe: string[];
  /** The encoded resource_names_subscribe when they came in one run of fields: streams subscribing the same names share one set. */
  subscribe_key?: Buffer;
  resource_names_unsubscribe: string[];
  /** Where the initial_resource_versions entries lie in the request (held-versions.ts reads them against a snapshot); none: undefined. */
  initial_versions_bytes?: HeldVersionsBytes;
  response_nonce: string;
}

/** Where a request's `initial_resource_versions` entries lie: per entry, name start and end, version start and end. */
export interface HeldVersionsBytes {
  buffer: Buffer;
  offsets: number[];
}

/**
 * Wraps a delta request deserializer: a request with only subscriptions, versions and a nonce is
 * read directly (a reconnecting gateway lists 1,000 names with their versions per type; the
 * generic decoder builds an object per map entry); anything else goes to the full decoder.
 */
export function scanningDeltaRequests<T extends object>(deserialize: (buffer: Buffer) => T): (buffer: Buffer) => T | ScannedDeltaRequest {
  return (buffer) => {
    const request: ScannedDeltaRequest = { type_url: '', resource_names_subscribe: [], resource_names_unsubscribe: [], response_nonce: '' };
    let subscribeFrom = -1;
    let subscribeTo = -1;
    let subscribeSplit = false;
    try {
      let at = 0;
      while (at < buffer.length) {
        const fieldStart = at;
        const tag = readVarintAt(buffer, at);
        const field = Math.floor(tag / 8);
        if ((tag & 7) !== 2 || DELTA_FULLY_DECODED_FIELDS.has(field) || field > 9) return deserialize(buffer);
        const length = readVarintAt(buffer, varintEnd);
        const start = varintEnd;
        const end = start + length;
        if (end > buffer.length) return deserialize(buffer);
        // The node alone is a request of its own: the full decoder reads it, the rest stays scanned
        // (a reconnecting gateway's first request also lists 1,000 names with their versions).
        if (field === 1) request.node = (deserialize(buffer.subarray(fieldStart, end)) as { node?: unknown }).node;
        else if (field === 2) request.type_url = buffer.toString('utf8', start, end);
        else if (field === 3) {
          request.resource_names_subscribe.push(buffer.toString('utf8', start, end));
          if (subscribeFrom < 0) subscribeFrom = fieldStart;
          else if (subscribeTo !== fieldStart) subscribeSplit = true;
          subscribeTo = end;
        }
        else if (field === 4) request.resource_names_unsubscribe.push(buffer.toString('utf8', start, end));
        else if (field === 6) request.response_nonce = buffer.toString('utf8', start, end);
        else if (field === 5 && !mapEntryAt(buffer, start, end, (request.initial_versions_bytes ??= { buffer, offsets: [] }).offsets)) return deserialize(buffer);
        at = end;
      }
    } catch {
      return deserialize(buffer);
    }
    if (subscribeFrom >= 0 && !subscribeSplit) request.subscribe_key = buffer.subarray(subscribeFrom, subscribeTo);
    return request;
  };
}

/**
 * Where a `map<string, string>` entry's key (1) and value (2) lie, pushed onto `offsets` as key
 * start, key end, value start, value end (an absent field is empty); false when the entry holds
 * anything else. No strings: a reconnecting gateway lists 1,000 of these per type.
 */
function mapEntryAt(buffer: Buffer, from: number, to: number, offsets: number[]): boolean {
  let keyStart = from;
  let keyEnd = from;
  let valueStart = from;
  let valueEnd = from;
  let at = from;
  while (at < to) {
    const tag = readVarintAt(buffer, at);
    if ((tag & 7) !== 2) return false;
    const length = readVarintAt(buffer, varintEnd);
    const start = varintEnd;
    const end = start + length;
    if (end > to) return false;
    if (tag >> 3 === 1) {
      keyStart = start;
      keyEnd = end;
    } else if (tag >> 3 === 2) {
      valueStart = start;
      valueEnd = end;
    } else return false;
    at = end;
  }
  offsets.push(keyStart, keyEnd, valueStart, valueEnd);
  return true;
}

/** Where the last `readVarintAt` ended: a cursor rather than a tuple per varint (a reconnecting gateway's request holds 1,000 entries of four varints each). */
let varintEnd = 0;

/** `readVarint`, with the one-byte case (tags, short lengths) read inline. */
function readVarintAt(buffer: Buffer, at: number): number {
  const first = buffer[at];
  if (first !== undefined && first < 0x80) {
    varintEnd = at + 1;
    return first;
  }
  const [value, next] = readVarint(buffer, at);
  varintEnd = next;
  return value;
}

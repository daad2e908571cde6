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

function text(field: number, value: string): Buffer {
  return value === '' ? Buffer.alloc(0) : lengthDelimited(field, Buffer.from(value, 'utf8'));
}

/** `Any { type_url, value }`. */
export function anyBytes(typeUrl: string, value: Buffer): Buffer {
  return Buffer.concat([text(1, typeUrl), lengthDelimited(2, value)]);
}

/** The entry of `DiscoveryResponse.resources` for one resource. */
export function sotwResourceEntry(any: Buffer): Buffer {
  return lengthDelimited(2, any);
}

/** The entry of `DeltaDiscoveryResponse.resources` for one resource: `Resource { name, version, resource }`. */
export function deltaResourceEntry(name: string, version: string, any: Buffer): Buffer {
  return lengthDelimited(2, Buffer.concat([text(3, name), text(1, version), lengthDelimited(2, any)]));
}

/** A DiscoveryResponse without its nonce: share it, and add the nonce per stream with `withNonce`. */
export function sotwBody(version: string, typeUrl: string, entries: readonly Buffer[]): Buffer {
  return Buffer.concat([text(1, version), ...entries, text(4, typeUrl)]);
}

/** A DeltaDiscoveryResponse without its nonce. */
export function deltaBody(systemVersion: string, typeUrl: string, entries: readonly Buffer[], removed: readonly string[]): Buffer {
  return Buffer.concat([text(1, systemVersion), ...entries, text(4, typeUrl), ...removed.map((name) => lengthDelimited(6, Buffer.from(name, 'utf8')))]);
}

/** Field 5 (`nonce`) of either response. */
export function withNonce(body: Buffer, nonce: string): Buffer {
  return Buffer.concat([body, text(5, nonce)]);
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
  ) {}

  bytes(): Buffer {
    return withNonce(this.body, this.nonce);
  }
}

/** Wraps a method's response serializer so that a PrebuiltResponse goes out as its bytes. */
export function passPrebuilt<T>(serialize: (value: T) => Buffer): (value: T | PrebuiltResponse) => Buffer {
  return (value) => (value instanceof PrebuiltResponse ? value.bytes() : serialize(value));
}

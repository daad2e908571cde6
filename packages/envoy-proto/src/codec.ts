/** Checking and encoding whole xDS resources given in the resource object format. */
import type protobuf from 'protobufjs';
import { rootLabel } from './paths.js';
import { messageTypeForUrl } from './root.js';
import { translateMessage, type MessageForm } from './translate.js';

/** A resource that does not match its descriptor; `problems` lists every mismatch with its path. */
export class InvalidResourceError extends Error {
  constructor(
    readonly typeUrl: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${typeUrl} resource:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidResourceError';
  }
}

/**
 * Every way `resource` departs from the message that `typeUrl` names: unknown fields, wrong
 * types, unknown enum names, out-of-range integers, more than one member of a oneof, nested
 * Any values of unknown type. Empty when the resource is clean.
 */
export function checkResource(typeUrl: string, resource: Record<string, unknown>): string[] {
  const type = messageTypeForUrl(typeUrl);
  if (!type) return [`unknown type URL ${JSON.stringify(typeUrl)}`];
  return translate(type, resource).problems;
}

/** The resource's protobuf bytes; throws InvalidResourceError unless checkResource finds nothing. */
export function encodeResource(typeUrl: string, resource: Record<string, unknown>): Buffer {
  const type = messageTypeForUrl(typeUrl);
  if (!type) throw new InvalidResourceError(typeUrl, [`unknown type URL ${JSON.stringify(typeUrl)}`]);
  const { message, problems } = translate(type, resource);
  if (problems.length > 0) throw new InvalidResourceError(typeUrl, problems);
  const bytes = type.encode(message).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A `google.protobuf.Any` for `DiscoveryResponse.resources`, as @grpc/proto-loader (keepCase) takes it. */
export function toAny(typeUrl: string, resource: Record<string, unknown>): { type_url: string; value: Buffer } {
  return { type_url: typeUrl, value: encodeResource(typeUrl, resource) };
}

function translate(type: protobuf.Type, resource: unknown): { message: MessageForm; problems: string[] } {
  const problems: string[] = [];
  const message = translateMessage(type, resource, rootLabel(type), problems);
  return { message, problems };
}

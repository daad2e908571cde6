/** Checking and encoding whole xDS resources given in the resource object format. */
import type protobuf from 'protobufjs';
import { rootLabel } from './paths.js';
import { messageTypeForUrl } from './root.js';
import { messageRuleViolations } from './rules/check-rules.js';
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
 * Every way `resource` departs from the message that `typeUrl` names, i.e. what Envoy would
 * refuse: first the shape (unknown fields, wrong types, unknown enum names, out-of-range
 * integers, more than one member of a oneof, nested Any values of unknown type), then, when the
 * shape is clean, the protoc-gen-validate rules (`checkRules`). Empty when the resource is clean.
 */
export function checkResource(typeUrl: string, resource: Record<string, unknown>): string[] {
  const shape = checkShape(typeUrl, resource);
  return shape.length > 0 ? shape : checkRules(typeUrl, resource);
}

/** Only the strict walk of the shape (what `encodeResource` enforces). */
export function checkShape(typeUrl: string, resource: Record<string, unknown>): string[] {
  const type = messageTypeForUrl(typeUrl);
  if (!type) return [`unknown type URL ${JSON.stringify(typeUrl)}`];
  return translate(type, resource).problems;
}

/**
 * The `(validate.rules)` / `(validate.required)` constraints of the Envoy protos that the
 * resource breaks (required fields, string and repeated lengths, enum `defined_only`, number
 * and duration bounds, required oneofs, …), each with its path, e.g.
 * `cluster.name: must be at least 1 characters long ((validate.rules).string.min_len)`.
 * Envoy runs these checks on every resource it receives and NACKs one that breaks any.
 */
export function checkRules(typeUrl: string, resource: Record<string, unknown>): string[] {
  const type = messageTypeForUrl(typeUrl);
  if (!type) return [`unknown type URL ${JSON.stringify(typeUrl)}`];
  return messageRuleViolations(type, resource, rootLabel(type));
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

/**
 * Errors as every meshgate gRPC service answers them. A `GrpcError` becomes a status whose
 * trailers carry:
 *   - `grpc-status-details-bin`: a google.rpc.Status (code, message, details) whose details hold a
 *     google.rpc.ErrorInfo (reason: the MG_ERR_* code, domain "meshgate.io") and, when there are
 *     field problems, a google.rpc.BadRequest with one field violation each;
 *   - `mg-error-code` (and `mg-error-field` when one field is at fault): the same code as plain
 *     metadata, for clients that do not decode the details.
 * `errorDetailsOf` reads both back on the client side.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { protoDir } from './proto.js';

export const ERROR_CODE_KEY = 'mg-error-code';
export const ERROR_FIELD_KEY = 'mg-error-field';
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const ERROR_DOMAIN = 'meshgate.io';

const TYPE_URL_PREFIX = 'type.googleapis.com/';

export interface FieldViolation {
  field: string;
  description: string;
}

export interface GrpcErrorOptions {
  /** The field at fault, when there is exactly one (also sent as `mg-error-field`). */
  field?: string;
  /** Problems with fields of the request: a google.rpc.BadRequest detail. */
  violations?: FieldViolation[];
  /** String facts about the error, in the ErrorInfo's metadata (e.g. a limit's variable). */
  info?: Record<string, string>;
}

export class GrpcError extends Error {
  readonly field?: string;
  readonly violations: FieldViolation[];
  readonly info: Record<string, string>;

  constructor(
    readonly status: grpc.status,
    /** The MG_ERR_* code. */
    readonly code: string,
    message: string,
    options: GrpcErrorOptions = {},
  ) {
    super(message);
    this.name = 'GrpcError';
    this.field = options.field;
    this.violations = options.violations ?? (options.field === undefined ? [] : [{ field: options.field, description: message }]);
    this.info = options.info ?? {};
  }
}

let root: protobuf.Root | undefined;

/** google.rpc.Status and its detail messages (protobufjs ships google/protobuf/any and duration). */
function rpcTypes(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  const dir = protoDir();
  loaded.resolvePath = (origin, target) => (target.startsWith('google/rpc/') ? path.join(dir, target) : protobuf.util.path.resolve(origin, target));
  loaded.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  root = loaded;
  return loaded;
}

function packAny(typeName: string, payload: Record<string, unknown>) {
  const type = rpcTypes().lookupType(typeName);
  return { type_url: TYPE_URL_PREFIX + typeName, value: type.encode(type.fromObject(payload)).finish() };
}

/** The status object a grpc-js handler passes to its callback (or emits on a stream). */
export function statusOf(error: GrpcError): Partial<grpc.StatusObject> {
  const details = [packAny('google.rpc.ErrorInfo', { reason: error.code, domain: ERROR_DOMAIN, metadata: error.info })];
  if (error.violations.length > 0) details.push(packAny('google.rpc.BadRequest', { field_violations: error.violations }));
  const statusType = rpcTypes().lookupType('google.rpc.Status');
  const encoded = statusType.encode(statusType.fromObject({ code: error.status, message: error.message, details })).finish();
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(encoded));
  metadata.set(ERROR_CODE_KEY, error.code);
  if (error.field !== undefined) metadata.set(ERROR_FIELD_KEY, error.field);
  return { code: error.status, details: error.message, metadata };
}

export interface ErrorDetails {
  /** The MG_ERR_* code, when the server sent one. */
  code?: string;
  field?: string;
  violations: FieldViolation[];
  info: Record<string, string>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What a meshgate server said about a failed call, from its trailers. */
export function errorDetailsOf(error: Pick<grpc.ServiceError, 'metadata'>): ErrorDetails {
  const metadata = error.metadata ?? new grpc.Metadata();
  const result: ErrorDetails = { code: text(metadata.get(ERROR_CODE_KEY)[0]), field: text(metadata.get(ERROR_FIELD_KEY)[0]), violations: [], info: {} };
  const [raw] = metadata.get(STATUS_DETAILS_KEY);
  if (!Buffer.isBuffer(raw)) return result;
  const types = rpcTypes();
  const status = types.lookupType('google.rpc.Status').toObject(types.lookupType('google.rpc.Status').decode(raw), { defaults: true }) as { details: { type_url: string; value: Uint8Array }[] };
  for (const any of status.details) {
    const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    if (typeName === 'google.rpc.ErrorInfo') {
      const type = types.lookupType(typeName);
      const info = type.toObject(type.decode(any.value), { defaults: true }) as { reason: string; metadata: Record<string, string> };
      result.code ??= info.reason;
      result.info = info.metadata;
    } else if (typeName === 'google.rpc.BadRequest') {
      const type = types.lookupType(typeName);
      const request = type.toObject(type.decode(any.value), { defaults: true }) as { field_violations: FieldViolation[] };
      result.violations = request.field_violations.map(({ field, description }) => ({ field, description }));
    }
  }
  return result;
}

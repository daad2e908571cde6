/**
 * meshgate.v1.Resources: Apply, Get, List and Delete through the same transport-free functions
 * as the REST routes (apply-documents.ts, resource-access.ts). Apply and Delete need `write`,
 * Get and List `read`.
 */
import {
  GrpcError,
  toStruct,
  unary,
  type ApplyRequestMessage,
  type ApplyResponseMessage,
  type DeleteResourceRequestMessage,
  type DeleteResourceResponseMessage,
  type GetResourceRequestMessage,
  type GetResourceResponseMessage,
  type ListResourcesRequestMessage,
  type ListResourcesResponseMessage,
} from '@meshgate/grpc-api';
import * as grpc from '@grpc/grpc-js';
import { applyDocuments } from '../apply-documents.js';
import { apiError } from '../errors.js';
import { deleteResource, getResource, listResources } from '../resource-access.js';
import type { GrpcContext } from './context.js';

/** The `source` recorded in events written through gRPC. */
export const GRPC_SOURCE = 'api-grpc';

/** As REST's `Idempotency-Key` header allows. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

function required(value: string, field: string): string {
  if (value === '') throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'MG_ERR_BAD_REQUEST', `"${field}" must not be empty`, { field });
  return value;
}

function idempotencyKey(value: string): string | undefined {
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'MG_ERR_BAD_REQUEST', `"idempotency_key" must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, { field: 'idempotency_key' });
  }
  return value === '' ? undefined : value;
}

function asRecord(value: object): Record<string, unknown> {
  return value as Record<string, unknown>;
}

export function resourcesService(context: GrpcContext): grpc.UntypedServiceImplementation {
  const { handlerOptions, admit } = context;
  return {
    Apply: unary(handlerOptions, async (call: grpc.ServerUnaryCall<ApplyRequestMessage, ApplyResponseMessage>): Promise<ApplyResponseMessage> => {
      admit(call.metadata, 'write');
      const { documents, dryRun } = call.request;
      const size = Buffer.byteLength(documents);
      if (size > context.bodyLimitBytes) {
        throw apiError('MG_ERR_BODY_TOO_LARGE', `"documents" holds ${size} bytes, more than the limit of ${context.bodyLimitBytes} (MESHGATE_APPLY_BODY_LIMIT)`, { limit: context.bodyLimitBytes });
      }
      const key = idempotencyKey(call.request.idempotencyKey);
      return applyDocuments(context, { text: documents, source: GRPC_SOURCE, idempotencyKey: key, dryRun });
    }),
    Get: unary(handlerOptions, (call: grpc.ServerUnaryCall<GetResourceRequestMessage, GetResourceResponseMessage>): GetResourceResponseMessage => {
      admit(call.metadata, 'read');
      const { kind, namespace, name } = call.request;
      const { object, sequence } = getResource(context.follower, { kind: required(kind, 'kind'), namespace, name: required(name, 'name') });
      return { object: toStruct(asRecord(object)), sequence };
    }),
    List: unary(handlerOptions, (call: grpc.ServerUnaryCall<ListResourcesRequestMessage, ListResourcesResponseMessage>): ListResourcesResponseMessage => {
      admit(call.metadata, 'read');
      const { kind, namespace } = call.request;
      const { items, sequence } = listResources(context.follower, { kind: kind === '' ? undefined : kind, namespace: namespace === '' ? undefined : namespace });
      return { items: items.map((item) => toStruct(asRecord(item))), sequence };
    }),
    Delete: unary(handlerOptions, async (call: grpc.ServerUnaryCall<DeleteResourceRequestMessage, DeleteResourceResponseMessage>): Promise<DeleteResourceResponseMessage> => {
      admit(call.metadata, 'write');
      const { kind, namespace, name } = call.request;
      const key = idempotencyKey(call.request.idempotencyKey);
      return deleteResource(context.applyService, { kind: required(kind, 'kind'), namespace, name: required(name, 'name'), source: GRPC_SOURCE, idempotencyKey: key });
    }),
  };
}

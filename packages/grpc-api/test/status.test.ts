/** Rich error statuses and Struct conversion, round-tripped through the real protobuf encoding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { errorDetailsOf, GrpcError, statusOf, STATUS_DETAILS_KEY } from '../src/status.js';
import protobuf from 'protobufjs';
import { fromStruct, toStruct, type StructMessage } from '../src/struct.js';

describe('rich error status', () => {
  it('carries the code, the field violations and the info in google.rpc.Status, and reads them back', () => {
    const error = new GrpcError(grpc.status.INVALID_ARGUMENT, 'MG_ERR_INVALID', '2 problems', {
      violations: [
        { field: 'metadata.name', description: 'document 0 (Namespace Not_Valid): must be a DNS label' },
        { field: 'spec.ports[0].port', description: 'document 2 (Service web): expected integer' },
      ],
      info: { line: '3' },
    });
    const status = statusOf(error);
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.ok(Buffer.isBuffer(status.metadata?.get(STATUS_DETAILS_KEY)[0]));
    const details = errorDetailsOf({ metadata: status.metadata ?? new grpc.Metadata() });
    assert.deepEqual(details, { code: 'MG_ERR_INVALID', field: undefined, violations: error.violations, info: { line: '3' } });
  });

  it('a single field at fault is a violation and mg-error-field', () => {
    const status = statusOf(new GrpcError(grpc.status.INVALID_ARGUMENT, 'MG_ERR_BAD_REQUEST', '"name" must not be empty', { field: 'name' }));
    const details = errorDetailsOf({ metadata: status.metadata ?? new grpc.Metadata() });
    assert.equal(details.field, 'name');
    assert.deepEqual(details.violations, [{ field: 'name', description: '"name" must not be empty' }]);
  });
});

describe('Struct', () => {
  it('round-trips JSON objects through the encoded message', () => {
    const object = { kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ port: 80, name: null }], headless: false }, empty: [] };
    // Encoded and decoded as @grpc/proto-loader does (fromObject, then toObject with its options).
    const Struct = protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/struct.proto') ?? {}).lookupType('google.protobuf.Struct');
    const bytes = Struct.encode(Struct.fromObject(toStruct(object))).finish();
    const decoded = Struct.toObject(Struct.decode(bytes), { enums: String, longs: Number, defaults: true, oneofs: true }) as StructMessage;
    assert.deepEqual(fromStruct(decoded), object);
  });
});

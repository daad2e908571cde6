/**
 * The xds service publishes nothing Envoy would NACK for breaking the protos' validate rules:
 * `encodeXdsResource`, through which every compiled resource and SDS secret is encoded, refuses
 * such a resource (the cache then reports it through `onEncodeError` and leaves it out).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TYPE_URL } from '@meshgate/compiler';
import { InvalidResourceError } from '@meshgate/envoy-proto';
import { encodeXdsResource } from '../src/resource-cache.js';

const cluster = (name: string, seconds: number) => ({ name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, connect_timeout: { seconds } });

test('a resource that breaks a validate rule is refused with the rule and its path; a clean one encodes', () => {
  assert.ok(encodeXdsResource(TYPE_URL.cluster, 'web', cluster('web', 5)).any.value.length > 0);
  assert.throws(
    () => encodeXdsResource(TYPE_URL.cluster, 'web', cluster('web', 0)),
    (error: unknown) =>
      error instanceof InvalidResourceError && error.problems.length === 1 && error.problems[0] === 'cluster.connect_timeout: must be greater than 0s ((validate.rules).duration.gt)',
  );
  assert.throws(() => encodeXdsResource(TYPE_URL.cluster, '', cluster('', 5)), /cluster\.name: must be at least 1 characters long/);
});

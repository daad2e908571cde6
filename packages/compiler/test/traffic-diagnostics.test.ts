/**
 * DestinationRules the compiler does not apply are said, not ignored: a newer rule for a host
 * that already has one, and a rule for a wildcard host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProxy } from '../src/index.js';
import { GRPC_NODE, OPTIONS, objectsFromYaml, stateOf } from './support.js';

const rule = (name: string, host: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: default}
spec:
  host: ${host}
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
---
`;

test('a second DestinationRule for one host and a wildcard host are reported, each on its own object', () => {
  const objects = objectsFromYaml(rule('first', 'reviews.default.svc.cluster.local') + rule('second', 'reviews.default.svc.cluster.local') + rule('wild', '"*.example.com"'), 'traffic-diagnostics');
  const { diagnostics } = compileProxy(stateOf(objects), GRPC_NODE, OPTIONS);
  const about = (object: string) => diagnostics.filter((d) => d.object === object).map((d) => `${d.severity}: ${d.message}`);
  assert.deepEqual(about('DestinationRule/default/first'), []);
  assert.deepEqual(about('DestinationRule/default/second'), [
    'warning: host reviews.default.svc.cluster.local: not applied; DestinationRule/default/first was created first and is the one applied (rules for one host are not merged)',
  ]);
  assert.deepEqual(about('DestinationRule/default/wild'), ['warning: host *.example.com: wildcard DestinationRule hosts are stored but not applied yet']);
});

/** Reading a proxy's identity from its xDS node, as @grpc/proto-loader decodes it (Struct values camelCase). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../src/node-info.js';

function nodeWith(metadata: Record<string, string>): unknown {
  const fields = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, { kind: 'stringValue', stringValue: value }]));
  return { id: 'httpbin-0.httpbin', metadata: { fields } };
}

test('INSTANCE_IPS: comma-separated addresses, trimmed, kept as written, repeats and non-addresses dropped', () => {
  const parsed = parseNode(nodeWith({ CLIENT: 'grpc', NAMESPACE: 'httpbin', INSTANCE_IPS: '127.0.0.10, fd00::10,,127.0.0.10,not-an-ip' }));
  assert.ok('node' in parsed);
  assert.deepEqual(parsed.node.ips, ['127.0.0.10', 'fd00::10']);
  assert.deepEqual(parsed.warnings, ['metadata.INSTANCE_IPS: "not-an-ip" is not an IP address; ignored']);
});

test('without INSTANCE_IPS a node has no addresses', () => {
  const parsed = parseNode(nodeWith({ NAMESPACE: 'httpbin' }));
  assert.ok('node' in parsed);
  assert.deepEqual(parsed.node.ips, []);
  assert.deepEqual(parsed.warnings, []);
});

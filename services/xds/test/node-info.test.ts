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

test('the user agent: gRPC names its version as a string, Envoy as a build version; absent when not named', () => {
  const grpc = parseNode({ ...(nodeWith({ CLIENT: 'grpc' }) as object), user_agent_name: 'grpc-node-js', user_agent_version: '1.14.7' });
  assert.ok('node' in grpc);
  assert.equal(grpc.userAgent, 'grpc-node-js/1.14.7');
  const envoy = parseNode({ ...(nodeWith({}) as object), user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: 1, minor_number: 31, patch: 2 } } });
  assert.ok('node' in envoy);
  assert.equal(envoy.userAgent, 'envoy/1.31.2');
  const bare = parseNode(nodeWith({}));
  assert.ok('node' in bare);
  assert.equal(bare.userAgent, undefined);
});

test('CERTIFICATE_PROVIDERS: a list of instance names (a proxyless client only), sorted and unique; anything else warned', () => {
  const list = (values: unknown[]) => ({ kind: 'listValue', listValue: { values } });
  const str = (value: string) => ({ kind: 'stringValue', stringValue: value });
  const node = (client: string, providers: unknown) => ({ id: 'c-0.egress', metadata: { fields: { CLIENT: str(client), CERTIFICATE_PROVIDERS: providers } } });
  const parsed = parseNode(node('grpc', list([str('file:ca=/etc/ext,1/ca.pem'), str('default'), str('default'), { kind: 'numberValue', numberValue: 3 }])));
  assert.ok('node' in parsed);
  assert.deepEqual(parsed.node.certificateProviders, ['default', 'file:ca=/etc/ext,1/ca.pem']);
  assert.deepEqual(parsed.warnings, ['metadata.CERTIFICATE_PROVIDERS: 3 is not an instance name; ignored']);
  const text = parseNode(node('grpc', str('default')));
  assert.ok('node' in text);
  assert.equal(text.node.certificateProviders, undefined);
  assert.deepEqual(text.warnings, ['metadata.CERTIFICATE_PROVIDERS: expected a list of strings; ignored']);
  const envoy = parseNode(node('envoy', list([str('default')])));
  assert.ok('node' in envoy);
  assert.equal(envoy.node.certificateProviders, undefined, 'Envoy takes certificates over SDS');
  const unstated = parseNode(nodeWith({ CLIENT: 'grpc' }));
  assert.ok('node' in unstated);
  assert.equal(unstated.node.certificateProviders, undefined);
});

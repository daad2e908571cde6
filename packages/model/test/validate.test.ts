import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isForeignKind, validateDocument, type GatewayObject, type ServiceObject, type VirtualServiceObject } from '../src/index.js';
import { SEED_002_MANIFESTS } from './fixtures/seed-002.js';
import { parseAll, parseOne, validOne } from './helpers.js';

describe('seed 002 (Istio ingress walkthrough)', () => {
  for (const manifest of SEED_002_MANIFESTS) {
    it(manifest.name, () => {
      for (const document of parseAll(manifest.yaml)) {
        const result = validateDocument(document);
        const kind = typeof document === 'object' && document !== null && 'kind' in document ? document.kind : undefined;
        // Deployments share an apply with their Service: stored as a foreign kind, not compiled.
        assert.ok(result.valid, `${String(kind)}: ${JSON.stringify(result)}`);
        assert.equal(isForeignKind(result.value.kind), kind === 'Deployment', String(kind));
        assert.equal(result.value.metadata.namespace, 'default', 'the seed leaves the namespace out');
      }
    });
  }

  it('qualifies the walkthrough VirtualService as Istio would', () => {
    const object = validOne(SEED_002_MANIFESTS[1].yaml) as VirtualServiceObject;
    assert.deepEqual(object.spec.gateways, ['default/httpbin-gateway']);
    assert.deepEqual(object.spec.http[0].route, [{ destination: { host: 'httpbin.default.svc.cluster.local', port: { number: 8000 } }, weight: 100 }]);
    assert.deepEqual(
      object.spec.http[0].match.map(({ uri }) => uri),
      [{ prefix: '/status' }, { prefix: '/delay' }],
    );
  });

  it('reads both servers of the multi-host Gateway', () => {
    const object = validOne(SEED_002_MANIFESTS[6].yaml) as GatewayObject;
    assert.deepEqual(
      object.spec.servers.map(({ port, tls, hosts }) => [port.name, tls?.credentialName, hosts]),
      [
        ['https-httpbin', 'httpbin-credential', ['httpbin.example.com']],
        ['https-helloworld', 'helloworld-credential', ['helloworld-v1.example.com']],
      ],
    );
  });
});

describe('validateDocument', () => {
  it('collects every error of a document, not only the first', () => {
    const result = validateDocument(
      parseOne(`apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: Bad_Name
spec:
  hosts: []
  http:
  - match:
    - uri: {regex: "("}
    route:
    - destination: {port: {number: 0}}
      weight: 50
    - destination: {host: other}
      weight: x
`),
    );
    assert.ok(!result.valid);
    assert.deepEqual(result.errors.map(({ path }) => path).sort(), [
      'metadata.name',
      'spec.hosts',
      'spec.http[0].match[0].uri.regex',
      'spec.http[0].route[0].destination.host',
      'spec.http[0].route[0].destination.port.number',
      'spec.http[0].route[1].weight',
    ]);
  });

  it('ignores unknown fields but not wrong types', () => {
    const base = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', futureField: { x: 1 } }, spec: { finalizers: ['kubernetes'] } };
    assert.ok(validateDocument(base).valid);
    const wrong = validateDocument({ ...base, metadata: { name: 'web', labels: ['a'] } });
    assert.ok(!wrong.valid);
    assert.deepEqual(wrong.errors, [{ path: 'metadata.labels', message: 'expected object, got array' }]);
  });

  it('names the apiVersions a kind accepts', () => {
    const result = validateDocument({ apiVersion: 'networking.istio.io/v1beta2', kind: 'VirtualService', metadata: { name: 'a' }, spec: { hosts: ['a'], http: [] } });
    assert.ok(!result.valid);
    assert.deepEqual(result.errors, [
      {
        path: 'apiVersion',
        message: 'VirtualService expects apiVersion networking.istio.io/v1alpha3 or networking.istio.io/v1beta1 or networking.istio.io/v1 (got "networking.istio.io/v1beta2")',
      },
    ]);
  });

  it('accepts all three Istio networking versions and keeps the one written', () => {
    for (const apiVersion of ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1']) {
      const result = validateDocument({
        apiVersion,
        kind: 'Gateway',
        metadata: { name: 'gw' },
        spec: { servers: [{ port: { number: 80, protocol: 'HTTP' }, hosts: ['*'] }] },
      });
      assert.ok(result.valid, JSON.stringify(result));
      assert.equal(result.value.apiVersion, apiVersion);
    }
  });

  it('reports bad array items at their index and keeps going', () => {
    const result = validateDocument({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc' },
      spec: { ports: ['80', { name: 'a', port: 80 }, { name: 'a', port: 80 }] },
    });
    assert.ok(!result.valid);
    assert.deepEqual(result.errors, [
      { path: 'spec.ports[0]', message: 'expected object, got string "80"' },
      { path: 'spec.ports[2].name', message: 'duplicate port name "a"' },
      { path: 'spec.ports[2].port', message: 'duplicate port/protocol "80/TCP"' },
    ]);
  });

  it('allows RE2 named groups and rejects backreferences', () => {
    const route = (regex: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'vs' },
      spec: { hosts: ['a'], http: [{ match: [{ uri: { regex } }], route: [{ destination: { host: 'a' } }] }] },
    });
    assert.ok(validateDocument(route('^/(?P<version>v[0-9]+)/.*$')).valid);
    assert.ok(!validateDocument(route('^/(a)\\1$')).valid);
  });

  it('checks Service targetPort names and accepts numbers', () => {
    const service = (targetPort: unknown) => validateDocument({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    const named = service('http-web');
    assert.ok(named.valid);
    assert.equal((named.value as ServiceObject).spec.ports[0].targetPort, 'http-web');
    assert.ok(service(8080).valid);
    assert.ok(!service('Http_Web').valid);
    assert.ok(!service(0).valid);
  });
});

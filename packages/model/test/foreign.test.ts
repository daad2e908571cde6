import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, describeKind, FOREIGN_KINDS, isForeignKind, KINDS, MAX_JSON_DEPTH, validateDocument } from '../src/index.js';
import { SEED_004_CONTOUR_CONFIG_MAP } from './fixtures/seed-004.js';
import { parseOne, validOne } from './helpers.js';

describe('foreign kinds', () => {
  it('are marked foreign in the kind table, and only they', () => {
    for (const kind of KINDS) assert.equal(describeKind(kind).foreign, isForeignKind(kind), kind);
    assert.deepEqual(FOREIGN_KINDS.filter((kind) => !KINDS.includes(kind)), []);
    assert.ok(['ConfigMap', 'Deployment', 'HTTPProxy', 'ServiceAccount', 'TLSCertificateDelegation'].every(isForeignKind));
    assert.ok(!['IngressBackend', 'Ingress', 'IngressClass', 'MeshConfig', 'Service'].some(isForeignKind));
  });

  it('keep every top-level field but status as opaque JSON, keys sorted', () => {
    const object = validOne(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin
  namespace: httpbin
  uid: 0b0c1d2e
  resourceVersion: "4711"
spec:
  template:
    spec:
      containers:
      - {name: httpbin, image: kennethreitz/httpbin, ports: [{containerPort: 14001}], env: [{name: A, value: null}]}
  replicas: 1
status:
  readyReplicas: 1
`);
    assert.deepEqual(object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'httpbin', namespace: 'httpbin', labels: {}, annotations: {} },
      spec: { replicas: 1, template: { spec: { containers: [{ env: [{ name: 'A', value: null }], image: 'kennethreitz/httpbin', name: 'httpbin', ports: [{ containerPort: 14001 }] }] } } },
    });
    assert.equal(canonicalJson(object), JSON.stringify(object), 'keys sorted at every level');
  });

  it("keep a ConfigMap's data (it is not secret)", () => {
    const object = validOne(SEED_004_CONTOUR_CONFIG_MAP);
    assert.ok('data' in object);
    assert.deepEqual(Object.keys(object.data ?? {}), ['contour.yaml']);
    assert.match(JSON.stringify(object.data), /osm-contour-envoy-client-cert/);
  });

  it('refuse documents nested deeper than the limit', () => {
    let nested: unknown = 'leaf';
    for (let depth = 0; depth < MAX_JSON_DEPTH + 5; depth += 1) nested = { inner: nested };
    const result = validateDocument({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep' }, data: nested });
    assert.ok(!result.valid);
    assert.match(result.errors[0].message, /nested deeper than/);
    assert.match(result.errors[0].path, /^data(\.inner)+$/);
  });
});

describe('Secrets', () => {
  it('are validated and digested: the object holds key names, SHA-256 and sizes, never the bytes', () => {
    const result = validateDocument(parseOne('apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\ndata:\n  tls.key: c3VwZXItc2VjcmV0\n  tls.crt: Y2VydA==\nstringData:\n  tls.crt: other\n'));
    assert.ok(result.valid);
    assert.deepEqual(result.value, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: 'default', labels: {}, annotations: {} },
      type: 'kubernetes.io/tls',
      data: {
        // stringData wins over data for the same key, as the API server merges them.
        'tls.crt': { sha256: createHash('sha256').update('other').digest('hex'), bytes: 5 },
        'tls.key': { sha256: createHash('sha256').update('super-secret').digest('hex'), bytes: 12 },
      },
      problems: [],
    });
    assert.ok(!JSON.stringify(result).includes('c3VwZXItc2VjcmV0') && !JSON.stringify(result).includes('super-secret'));
  });

  it('refuse a bad value at its path without echoing it', () => {
    const result = validateDocument(parseOne('apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ndata:\n  tls.key: "c3VwZXItc2Vj@@@"\n'));
    assert.ok(!result.valid);
    assert.deepEqual(result.errors, [{ path: 'data["tls.key"]', message: 'not valid base64 (the value is not shown)' }]);
    assert.ok(!JSON.stringify(result).includes('c3VwZXItc2Vj'));
  });
});

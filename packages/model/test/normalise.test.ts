import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  digestOf,
  validateDocument,
  type EndpointSliceObject,
  type GatewayObject,
  type PodObject,
  type ServiceObject,
  type VirtualServiceObject,
} from '../src/index.js';
import { ALL_VALID_MANIFESTS, GATEWAY_INGRESS, POD_HTTPBIN_0, VIRTUAL_SERVICE_HTTPBIN, VIRTUAL_SERVICE_MESH_ONLY } from './fixtures/valid-documents.js';
import { SEED_000_MANIFESTS } from './fixtures/seed-000.js';
import { SEED_002_MANIFESTS } from './fixtures/seed-002.js';
import { SEED_003_FOREIGN } from './fixtures/seed-003-foreign.js';
import { SEED_004_MANIFESTS } from './fixtures/seed-004.js';
import { SEED_INGRESS_MANIFESTS } from './fixtures/seed-ingress.js';
import { parseAll, validOne } from './helpers.js';

const allValidTexts = [
  ...Object.values(ALL_VALID_MANIFESTS),
  ...[...SEED_002_MANIFESTS, ...SEED_000_MANIFESTS, ...SEED_004_MANIFESTS, ...SEED_INGRESS_MANIFESTS].map(({ yaml }) => yaml),
  SEED_003_FOREIGN,
];

describe('normalisation', () => {
  it('is idempotent: validating a normalised object gives it back unchanged', () => {
    let checked = 0;
    for (const text of allValidTexts) {
      for (const document of parseAll(text)) {
        const first = validateDocument(document);
        assert.ok(first.valid, JSON.stringify(first));
        const second = validateDocument(JSON.parse(JSON.stringify(first.value)));
        assert.ok(second.valid, JSON.stringify(second));
        assert.deepEqual(second.value, first.value);
        assert.equal(canonicalJson(second.value), JSON.stringify(first.value), 'keys are already sorted');
        checked += 1;
      }
    }
    assert.ok(checked >= 45, `only ${checked} objects checked`);
  });

  it('fills defaults and qualifies names', () => {
    const service = validOne('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n') as ServiceObject;
    assert.deepEqual(service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: {}, annotations: {} },
      spec: { ports: [{ name: '', port: 80, targetPort: 80, protocol: 'TCP' }], selector: {}, type: 'ClusterIP' },
    });
    const virtualService = validOne(VIRTUAL_SERVICE_MESH_ONLY) as VirtualServiceObject;
    assert.deepEqual(virtualService.spec.gateways, ['mesh']);
    assert.deepEqual(virtualService.spec.http[0].route, [{ destination: { host: 'reviews.web.svc.cluster.local' }, weight: 100 }]);
  });

  it('resolves destination hosts against the VirtualService namespace and the cluster domain', () => {
    const object = validOne(VIRTUAL_SERVICE_HTTPBIN, { clusterDomain: 'mesh.example' }) as VirtualServiceObject;
    const hosts = object.spec.http.flatMap(({ route }) => route.map(({ destination }) => destination.host));
    assert.deepEqual(hosts, ['httpbin.web.svc.mesh.example', 'httpbin.web.svc.cluster.local', 'httpbin.web.svc.mesh.example', 'httpbin.web.svc.mesh.example']);
    assert.deepEqual(object.spec.gateways, ['istio-system/ingress', 'mesh']);
    const [canary] = object.spec.http;
    assert.deepEqual(canary.match[0].headers, { 'x-user': { exact: 'beta' } }, 'header names are case-insensitive');
    assert.deepEqual(canary.match[0].queryParams, { Mode: { exact: 'fast' } }, 'query parameter names keep their case');
    assert.deepEqual(canary.fault, { delay: { fixedDelay: '1.5s', percentage: 12.5 }, abort: { httpStatus: 503, percentage: 5 } });
    assert.deepEqual(object.spec.http[3].directResponse, { status: 418, body: "I'm a teapot" });
  });

  it('drops what the API server adds and keeps what the compiler needs of a Pod', () => {
    const pod = validOne(POD_HTTPBIN_0) as PodObject;
    assert.deepEqual(Object.keys(pod.metadata), ['annotations', 'labels', 'name', 'namespace']);
    assert.deepEqual(pod.status, { phase: 'Running', podIP: '10.1.0.11', podIPs: ['10.1.0.11', 'fd00::b'] });
    assert.equal(pod.spec.serviceAccountName, 'httpbin');
  });

  it('upper-cases Gateway protocols and defaults the TLS mode', () => {
    const gateway = validOne(GATEWAY_INGRESS) as GatewayObject;
    assert.equal(gateway.spec.servers[0].port.protocol, 'HTTP');
    assert.deepEqual(gateway.spec.servers[0].tls, { mode: 'PASSTHROUGH', httpsRedirect: true });
  });

  const equalMeaning: { name: string; a: unknown; b: unknown }[] = [
    {
      name: 'namespace left out vs "default", key order, server-side fields',
      a: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } },
      b: {
        spec: { type: 'ClusterIP', selector: {}, ports: [{ protocol: 'TCP', targetPort: 80, name: '', port: 80 }], clusterIP: '' },
        metadata: { uid: 'abc', resourceVersion: '7', managedFields: [{}], namespace: 'default', name: 's', labels: {}, annotations: {}, generation: 3, creationTimestamp: '2024-01-01T00:00:00Z' },
        status: { loadBalancer: {} },
        kind: 'Service',
        apiVersion: 'v1',
      },
    },
    {
      name: 'short destination host vs fully qualified, no weight vs 100, bare gateway vs namespace/name',
      a: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'vs', namespace: 'web' },
        spec: { hosts: ['a.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'httpbin' } }] }] },
      },
      b: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'vs', namespace: 'web', labels: {} },
        spec: {
          hosts: ['A.Example.com'],
          gateways: ['web/gw', 'gw'],
          exportTo: [],
          http: [{ match: [], route: [{ destination: { host: 'httpbin.web.svc.cluster.local' }, weight: 100 }] }],
        },
      },
    },
    {
      name: 'no gateways vs [] vs [mesh]',
      a: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs' }, spec: { hosts: ['r'], http: [] } },
      b: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs' }, spec: { hosts: ['r'], gateways: ['mesh'], http: [] } },
    },
    {
      name: 'IPv6 spellings and podIP vs podIPs',
      a: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { podIP: '2001:DB8:0:0::1' } },
      b: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'default' }, status: { podIPs: [{ ip: '2001:db8::1' }] } },
    },
    {
      name: 'EndpointSlice ready condition left out vs true',
      a: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] },
      b: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'e' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: '', port: 80, protocol: 'TCP' }],
      },
    },
  ];

  for (const { name, a, b } of equalMeaning) {
    it(`gives equal digests for equal meaning: ${name}`, () => {
      const first = validateDocument(a);
      const second = validateDocument(b);
      assert.ok(first.valid && second.valid, JSON.stringify([first, second]));
      assert.equal(canonicalJson(first.value), canonicalJson(second.value));
      assert.equal(digestOf(first.value), digestOf(second.value));
    });
  }

  it('gives different digests for different meaning', () => {
    const slice = (ready: boolean) => {
      const result = validateDocument({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'e' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready } }],
        ports: [{ port: 80 }],
      });
      assert.ok(result.valid);
      return result.value as EndpointSliceObject;
    };
    assert.notEqual(digestOf(slice(true)), digestOf(slice(false)));
    assert.match(digestOf(slice(true)), /^[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

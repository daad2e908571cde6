import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, digestOf, evolve, findMeshConfig, initialState, parseGoDuration, validateDocument, type MeshConfigObject, type MeshObject } from '../src/index.js';
import { SEED_000_MESH_CONFIG, SEED_000_MESH_CONFIG_BEFORE, SEED_000_MESH_CONFIG_PATCH } from './fixtures/seed-000.js';
import { parseOne, validOne } from './helpers.js';

/** RFC 7386 JSON merge patch, which `kubectl patch --type merge` applies. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

describe('MeshConfig', () => {
  it("reads the seed's ingressGateway certificate request", () => {
    const object = validOne(SEED_000_MESH_CONFIG) as MeshConfigObject;
    assert.equal(object.apiVersion, 'config.openservicemesh.io/v1alpha2');
    assert.deepEqual(object.spec.certificate, {
      certKeyBitSize: 2048,
      serviceCertValidityDuration: '24h',
      ingressGateway: {
        secret: { name: 'osm-nginx-client-cert', namespace: 'osm-system' },
        subjectAltNames: ['ingress-nginx.ingress-nginx.cluster.local'],
        validityDuration: '24h',
      },
    });
  });

  it('keeps the sections it does not read as written, keys sorted', () => {
    const object = validOne(SEED_000_MESH_CONFIG) as MeshConfigObject;
    assert.deepEqual(object.spec.traffic?.inboundExternalAuthorization, { enable: false, failureModeAllow: false, statPrefix: 'inboundExtAuthz', timeout: '1s' });
    assert.deepEqual(object.spec.observability, { enableDebugServer: false, osmLogLevel: 'info', tracing: { enable: false } });
    assert.equal(object.spec.featureFlags?.enableIngressBackendPolicy, true);
    assert.equal(canonicalJson(object), JSON.stringify(object));
  });

  it("is what `kubectl patch meshconfig osm-mesh-config --type merge -p '{\"spec\":{\"certificate\":{\"ingressGateway\":…}}}'` makes of the installed one", () => {
    const patched = validateDocument(mergePatch(parseOne(SEED_000_MESH_CONFIG_BEFORE), SEED_000_MESH_CONFIG_PATCH));
    assert.ok(patched.valid, JSON.stringify(patched));
    assert.equal(digestOf(patched.value), digestOf(validOne(SEED_000_MESH_CONFIG)));
    assert.notEqual(digestOf(patched.value), digestOf(validOne(SEED_000_MESH_CONFIG_BEFORE)));
  });

  it('takes v1alpha1, an empty spec, and a secret without a namespace (the MeshConfig’s)', () => {
    const minimal = validOne('apiVersion: config.openservicemesh.io/v1alpha1\nkind: MeshConfig\nmetadata: {name: osm-mesh-config, namespace: osm-system}\n') as MeshConfigObject;
    assert.deepEqual(minimal.spec, { certificate: {} });
    const object = validOne(
      'apiVersion: config.openservicemesh.io/v1alpha2\nkind: MeshConfig\nmetadata: {name: osm-mesh-config, namespace: mesh}\nspec:\n  certificate:\n    ingressGateway:\n      secret: {name: edge-client}\n      subjectAltNames: [Edge.Ingress.cluster.local, "*.edge.example.com"]\n      validityDuration: 1h30m\n',
    ) as MeshConfigObject;
    assert.deepEqual(object.spec.certificate.ingressGateway, {
      secret: { name: 'edge-client', namespace: 'mesh' },
      subjectAltNames: ['edge.ingress.cluster.local', '*.edge.example.com'],
      validityDuration: '1h30m',
    });
  });

  it('is found by its name in the mesh namespace, or as the only osm-mesh-config', () => {
    const meshConfig = validOne(SEED_000_MESH_CONFIG);
    const other = validOne('apiVersion: config.openservicemesh.io/v1alpha2\nkind: MeshConfig\nmetadata: {name: spare, namespace: aaa}\n');
    const state = [other, meshConfig].reduce(
      (current, object: MeshObject, index) => evolve(current, index + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } }),
      initialState(),
    );
    assert.equal(findMeshConfig(state, 'osm-system'), meshConfig);
    assert.equal(findMeshConfig(state), meshConfig);
    assert.equal(findMeshConfig(state, 'aaa'), undefined);
  });
});

describe('Go durations', () => {
  it('parse as time.ParseDuration does', () => {
    const cases: [string, number | undefined][] = [
      ['24h', 86_400_000],
      ['1h30m', 5_400_000],
      ['1.5s', 1500],
      ['.5s', 500],
      ['1.s', 1000],
      ['250ms', 250],
      ['100us', 0.1],
      ['100µs', 0.1],
      ['-2m', -120_000],
      ['+3s', 3000],
      ['0', 0],
      ['0s', 0],
      ['', undefined],
      ['forever', undefined],
      ['1d', undefined],
      ['24', undefined],
      ['h', undefined],
      ['.s', undefined],
      ['1h 30m', undefined],
      ['24hours', undefined],
    ];
    for (const [text, expected] of cases) assert.equal(parseGoDuration(text), expected, JSON.stringify(text));
  });
});

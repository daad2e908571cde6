/** Every manifest of the seeds the ingress story rests on is accepted, and comes out as the kinds it names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isForeignKind, validateDocument, type MeshObject } from '../src/index.js';
import { SEED_000_MANIFESTS } from './fixtures/seed-000.js';
import { SEED_003_FOREIGN } from './fixtures/seed-003-foreign.js';
import { SEED_004_MANIFESTS } from './fixtures/seed-004.js';
import { SEED_INGRESS_MANIFESTS } from './fixtures/seed-ingress.js';
import { parseAll } from './helpers.js';

function validateAll(text: string): MeshObject[] {
  return parseAll(text).map((document) => {
    const result = validateDocument(document);
    assert.ok(result.valid, JSON.stringify(result));
    return result.value;
  });
}

function kindsOf(manifests: { yaml: string }[]): string[] {
  return manifests.flatMap(({ yaml }) => validateAll(yaml).map((object) => object.kind));
}

describe('seed manifests', () => {
  for (const manifest of [...SEED_000_MANIFESTS, ...SEED_004_MANIFESTS, ...SEED_INGRESS_MANIFESTS]) {
    it(manifest.name, () => {
      const objects = validateAll(manifest.yaml);
      assert.ok(objects.length > 0);
      for (const object of objects) assert.notEqual(object.metadata.name, '');
    });
  }

  it('seed 000: the kinds of the nginx story, in order', () => {
    assert.deepEqual(kindsOf(SEED_000_MANIFESTS), [
      'Namespace',
      'Namespace',
      'ServiceAccount',
      'Service',
      'Deployment',
      'Ingress',
      'IngressBackend',
      'MeshConfig',
      'MeshConfig',
      'Ingress',
      'IngressBackend',
      'IngressBackend',
      'IngressBackend',
    ]);
  });

  it('seed 004: the Contour variant keeps its Contour objects as foreign kinds', () => {
    const objects = SEED_004_MANIFESTS.flatMap(({ yaml }) => validateAll(yaml));
    assert.deepEqual(
      objects.map(({ kind }) => [kind, isForeignKind(kind)]),
      [
        ['Namespace', false],
        ['ConfigMap', true],
        ['HTTPProxy', true],
        ['IngressBackend', false],
        ['TLSCertificateDelegation', true],
        ['HTTPProxy', true],
        ['IngressBackend', false],
      ],
    );
  });

  it('seed 003: ServiceEntry and DestinationRule are compiled kinds; Policy and EnvoyFilter are stored as foreign kinds', () => {
    const objects = validateAll(SEED_003_FOREIGN);
    assert.deepEqual(
      objects.map(({ kind, metadata }) => `${kind}/${metadata.namespace}/${metadata.name}`),
      ['ServiceEntry/default/mongo', 'Policy/istio-system/istio-egressgateway', 'DestinationRule/default/egressgateway-for-mongo', 'EnvoyFilter/default/forward-downstream-sni'],
    );
    assert.deepEqual(
      objects.filter(({ kind }) => isForeignKind(kind)).map(({ kind }) => kind),
      ['Policy', 'EnvoyFilter'],
    );
  });
});

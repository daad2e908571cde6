import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, evolve, initialState, isMonitored, monitoredNamespaces, sidecarInjectionDisabled, validateDocument, type MeshObject, type NamespaceObject } from '../src/index.js';
import { SEED_000_NAMESPACES } from './fixtures/seed-000.js';
import { SEED_004_NAMESPACE } from './fixtures/seed-004.js';
import { parseAll, validOne } from './helpers.js';

function namespaces(text: string): NamespaceObject[] {
  return parseAll(text).flatMap((document) => {
    const result = validateDocument(document);
    return result.valid && result.value.kind === 'Namespace' ? [result.value] : [];
  });
}

describe('mesh membership of namespaces', () => {
  const [ingressNginx, httpbin] = namespaces(SEED_000_NAMESPACES);
  const plain = validOne('apiVersion: v1\nkind: Namespace\nmetadata: {name: plain}\n') as NamespaceObject;
  const otherMesh = validOne('apiVersion: v1\nkind: Namespace\nmetadata: {name: elsewhere, labels: {openservicemesh.io/monitored-by: other}}\n') as NamespaceObject;

  it('follows the monitored-by label of `osm namespace add`', () => {
    assert.ok(isMonitored(ingressNginx, 'osm'));
    assert.ok(isMonitored(httpbin, 'osm'));
    assert.ok(!isMonitored(plain, 'osm'));
    assert.ok(!isMonitored(otherMesh, 'osm'));
    assert.ok(isMonitored(otherMesh, 'other'));
  });

  it('reads --disable-sidecar-injection from the annotation, as OSM does', () => {
    assert.ok(sidecarInjectionDisabled(ingressNginx));
    assert.ok(!sidecarInjectionDisabled(httpbin));
    for (const [value, disabled] of [
      ['disabled', true],
      ['No', true],
      ['false', true],
      ['enabled', false],
      ['yes', false],
    ] as const) {
      const namespace = validOne(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x, annotations: {openservicemesh.io/sidecar-injection: "${value}"}}\n`) as NamespaceObject;
      assert.equal(sidecarInjectionDisabled(namespace), disabled, value);
    }
  });

  it('lists the monitored namespaces of a mesh, sorted', () => {
    const objects: MeshObject[] = [plain, httpbin, otherMesh, ingressNginx, ...namespaces(SEED_004_NAMESPACE)];
    const state = objects.reduce((current, object, index) => evolve(current, index + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } }), initialState());
    assert.deepEqual(
      monitoredNamespaces(state, 'osm').map(({ metadata }) => metadata.name),
      ['httpbin', 'ingress-nginx', 'osm-system'],
    );
    assert.deepEqual(monitoredNamespaces(state, 'none'), []);
  });
});

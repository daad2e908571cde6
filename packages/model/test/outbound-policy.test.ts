import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialState, outboundTrafficPolicy, putObject, type MeshState } from '../src/index.js';
import { validOne } from './helpers.js';

function stateWith(...yaml: string[]): MeshState {
  const state = initialState();
  for (const text of yaml) putObject(state, validOne(text));
  return state;
}

const istio = (mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    accessLogFile: /dev/stdout\n    outboundTrafficPolicy:\n      mode: ${mode}\n`;
const osm = (enableEgress: string) => `apiVersion: config.openservicemesh.io/v1alpha2\nkind: MeshConfig\nmetadata: {name: osm-mesh-config, namespace: osm-system}\nspec:\n  traffic: {enableEgress: ${enableEgress}}\n`;

describe('outbound traffic policy', () => {
  it('is ALLOW_ANY when nothing says otherwise (Istio default)', () => {
    assert.deepEqual(outboundTrafficPolicy(initialState()), { mode: 'ALLOW_ANY', source: 'default', warnings: [] });
    assert.equal(outboundTrafficPolicy(stateWith(`apiVersion: config.openservicemesh.io/v1alpha2\nkind: MeshConfig\nmetadata: {name: osm-mesh-config, namespace: osm-system}\nspec: {}\n`)).mode, 'ALLOW_ANY');
  });

  it("reads Istio's mesh config", () => {
    assert.deepEqual(outboundTrafficPolicy(stateWith(istio('REGISTRY_ONLY'))), { mode: 'REGISTRY_ONLY', source: 'ConfigMap/istio-system/istio', warnings: [] });
    assert.equal(outboundTrafficPolicy(stateWith(istio('ALLOW_ANY'))).mode, 'ALLOW_ANY');
  });

  it("reads OSM's enableEgress", () => {
    assert.deepEqual(outboundTrafficPolicy(stateWith(osm('false'))), { mode: 'REGISTRY_ONLY', source: 'MeshConfig/osm-system/osm-mesh-config', warnings: [] });
    assert.equal(outboundTrafficPolicy(stateWith(osm('true'))).mode, 'ALLOW_ANY');
  });

  it('lets the closed answer win when both are set and disagree, with a warning naming both', () => {
    for (const [a, b] of [[istio('ALLOW_ANY'), osm('false')], [istio('REGISTRY_ONLY'), osm('true')]]) {
      const policy = outboundTrafficPolicy(stateWith(a, b));
      assert.equal(policy.mode, 'REGISTRY_ONLY');
      assert.match(policy.warnings[0], /ConfigMap\/istio-system\/istio.*MeshConfig\/osm-system\/osm-mesh-config/);
    }
    assert.deepEqual(outboundTrafficPolicy(stateWith(istio('ALLOW_ANY'), osm('true'))).warnings, []);
  });

  it('reports and ignores a mode it cannot read', () => {
    const policy = outboundTrafficPolicy(stateWith(istio('OPEN')));
    assert.equal(policy.mode, 'ALLOW_ANY');
    assert.match(policy.warnings[0], /must be ALLOW_ANY or REGISTRY_ONLY/);
  });
});

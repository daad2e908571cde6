import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  adsPackageDefinition,
  decodeResource,
  encodeResource,
  envoyRoot,
  ENVOY_PROTO_FILES,
  includeDirs,
  messageTypeForUrl,
  sdsPackageDefinition,
  toAny,
  TYPE_URLS,
  typeUrlOf,
} from '../src/index.js';
import { clusterLoadAssignment, sidecarListener } from './fixtures.js';

describe('the Envoy proto root', () => {
  it('is loaded once and shared by every later call', () => {
    const first = envoyRoot();
    encodeResource(TYPE_URLS.endpoint, clusterLoadAssignment());
    assert.equal(envoyRoot(), first);
    assert.equal(messageTypeForUrl(TYPE_URLS.listener)?.root, first);
  });

  it('finds every proto file in the include directories shipped with @grpc/grpc-js-xds', () => {
    const dirs = includeDirs();
    assert.ok(dirs.some((dir) => dir.endsWith(path.join('grpc-js-xds', 'deps', 'envoy-api'))));
    for (const file of ENVOY_PROTO_FILES) {
      assert.ok(dirs.some((dir) => existsSync(path.join(dir, file))), `${file} not found`);
    }
  });

  it('resolves every TYPE_URLS entry to a loaded message, and back', () => {
    for (const [key, typeUrl] of Object.entries(TYPE_URLS)) {
      const type = messageTypeForUrl(typeUrl);
      assert.ok(type, `${key}: ${typeUrl} is not loaded`);
      assert.equal(typeUrlOf(type), typeUrl);
    }
  });
});

describe('adsPackageDefinition', () => {
  it('holds the ADS (SotW and delta), SDS and CSDS services, loaded once', () => {
    const definition = adsPackageDefinition();
    assert.equal(adsPackageDefinition(), definition);
    assert.equal(sdsPackageDefinition(), definition);
    const ads = definition['envoy.service.discovery.v3.AggregatedDiscoveryService'];
    assert.ok(ads && 'StreamAggregatedResources' in ads && 'DeltaAggregatedResources' in ads);
    const sotw = ads.StreamAggregatedResources;
    assert.ok('requestStream' in sotw && sotw.requestStream && sotw.responseStream);
    assert.ok(definition['envoy.service.secret.v3.SecretDiscoveryService']);
    assert.ok(definition['envoy.service.status.v3.ClientStatusDiscoveryService']);
  });

  it('serialises a DiscoveryResponse carrying toAny() resources that decode back to the resource', () => {
    const ads = adsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'];
    assert.ok(ads && 'StreamAggregatedResources' in ads);
    const method = ads.StreamAggregatedResources;
    assert.ok('responseSerialize' in method);
    const wire = method.responseSerialize({
      version_info: 'v1',
      type_url: TYPE_URLS.listener,
      nonce: 'n1',
      resources: [toAny(TYPE_URLS.listener, sidecarListener())],
    });
    const response = decodeResource(TYPE_URLS.discoveryResponse, wire);
    assert.equal(response.version_info, 'v1');
    assert.ok(Array.isArray(response.resources));
    assert.deepEqual(response.resources, [{ '@type': TYPE_URLS.listener, ...sidecarListener() }]);
  });
});

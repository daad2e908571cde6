import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  digestOf,
  endpointSlicesByService,
  endpointsForService,
  evolve,
  findServiceByHost,
  gatewaysSelecting,
  initialState,
  podsByIp,
  podsForService,
  servicesByHost,
  virtualServicesForGateway,
  virtualServicesForMesh,
  type MeshObject,
  type MeshState,
  type ServiceObject,
} from '../src/index.js';
import { ALL_VALID_MANIFESTS } from './fixtures/valid-documents.js';
import { validOne } from './helpers.js';

function stateOf(texts: string[]): MeshState {
  return texts
    .map((text) => validOne(text))
    .reduce((state: MeshState, object: MeshObject, index) => evolve(state, index + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } }), initialState());
}

const state = stateOf(Object.values(ALL_VALID_MANIFESTS));
const httpbin = state.byKind.Service.get('web/httpbin') as ServiceObject;

describe('queries', () => {
  it('find Services by their fully qualified host', () => {
    assert.equal(findServiceByHost(state, 'httpbin.web.svc.cluster.local'), httpbin);
    assert.equal(findServiceByHost(state, 'HTTPBIN.web.svc.cluster.local.'), httpbin, 'case and the root dot do not matter');
    assert.equal(findServiceByHost(state, 'httpbin.web.svc.cluster.local', 'other.domain'), undefined);
    assert.equal(findServiceByHost(state, 'httpbin.other.svc.cluster.local'), undefined);
    assert.equal(findServiceByHost(state, 'httpbin.example.com'), undefined);
    assert.deepEqual([...servicesByHost(state, 'mesh.example').keys()], ['httpbin.web.svc.mesh.example']);
  });

  it('merge ready endpoints of Endpoints and EndpointSlices, resolving the port by name', () => {
    // Service port 14001 is named "http"; the endpoints serve "http" on 8080.
    assert.deepEqual(endpointsForService(state, httpbin, 14001), [
      { ip: '10.1.0.11', port: 8080 },
      { ip: '10.1.0.12', port: 8080 },
      { ip: '10.1.0.14', port: 8080 },
    ]);
    assert.deepEqual(
      endpointsForService(state, httpbin, 9000, endpointSlicesByService(state)).map(({ port }) => port),
      [9090, 9090, 9090],
    );
    assert.deepEqual(endpointsForService(state, httpbin, 1234), [], 'not a port of the Service');
  });

  it('leave out not-ready addresses and slices of other Services', () => {
    const ips = endpointsForService(state, httpbin, 14001).map(({ ip }) => ip);
    assert.ok(!ips.includes('10.1.0.13'), 'notReadyAddresses of Endpoints');
    assert.ok(!ips.includes('10.1.0.15'), 'ready: false in an EndpointSlice');
    const other = stateOf([
      ALL_VALID_MANIFESTS.SERVICE_HTTPBIN,
      ALL_VALID_MANIFESTS.ENDPOINT_SLICE_HTTPBIN.replace('kubernetes.io/service-name: httpbin', 'kubernetes.io/service-name: other'),
    ]);
    assert.deepEqual(endpointsForService(other, other.byKind.Service.get('web/httpbin') as ServiceObject, 14001), []);
  });

  it('index Pods by every IP and select them by Service selector', () => {
    const byIp = podsByIp(state);
    assert.equal(byIp.get('10.1.0.11')?.metadata.name, 'httpbin-0');
    assert.equal(byIp.get('fd00::b')?.metadata.name, 'httpbin-0');
    assert.equal(byIp.get('10.1.0.12')?.metadata.name, 'httpbin-1');
    assert.deepEqual(podsForService(state, httpbin).map(({ metadata }) => metadata.name), ['httpbin-0', 'httpbin-1']);
  });

  it('select Gateways whose selector is a subset of the proxy labels', () => {
    const names = (labels: Record<string, string>) => gatewaysSelecting(state, labels).map(({ metadata }) => metadata.name);
    assert.deepEqual(names({ istio: 'ingressgateway', app: 'istio-ingressgateway' }), ['ingress']);
    assert.deepEqual(names({ istio: 'egressgateway' }), ['egress']);
    assert.deepEqual(names({ app: 'web' }), []);
  });

  it('find VirtualServices bound to a gateway or to the mesh, sorted', () => {
    assert.deepEqual(virtualServicesForGateway(state, 'istio-system/ingress').map(({ metadata }) => metadata.name), ['httpbin']);
    assert.deepEqual(virtualServicesForGateway(state, 'istio-system/egress'), []);
    assert.deepEqual(virtualServicesForMesh(state).map(({ metadata }) => metadata.name), ['httpbin', 'reviews']);
  });
});

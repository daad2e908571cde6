/**
 * A cluster's worth of objects for the Kubernetes watcher tests: one of every kind the watcher
 * follows, as a client would create them (no server-set metadata), valid for meshgate's api.
 */
import type { KubeObject } from '@meshgate/testkit';

const MONITORED = { 'openservicemesh.io/monitored-by': 'osm' };

export const CLUSTER_OBJECTS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: MONITORED } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress-nginx', labels: MONITORED } },
  // Not labelled for this mesh: the watcher must not follow it.
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere', labels: { 'openservicemesh.io/monitored-by': 'another-mesh' } } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'httpbin', namespace: 'httpbin', labels: { rev: '1' } },
    spec: { ports: [{ name: 'http', port: 14001 }], selector: { app: 'httpbin' } },
  },
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'httpbin', namespace: 'httpbin' },
    subsets: [{ addresses: [{ ip: '10.244.1.17' }], ports: [{ name: 'http', port: 14001 }] }],
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'httpbin-abcde', namespace: 'httpbin', labels: { 'kubernetes.io/service-name': 'httpbin' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.17'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 14001, protocol: 'TCP' }],
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'httpbin-0', namespace: 'httpbin', labels: { app: 'httpbin' } },
    spec: { serviceAccountName: 'httpbin', containers: [{ name: 'httpbin', image: 'kennethreitz/httpbin' }] },
    status: { podIP: '10.244.1.17', phase: 'Running' },
  },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'httpbin', namespace: 'httpbin' },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'httpbin', port: { number: 14001 } } } }] } }],
    },
  },
  {
    apiVersion: 'policy.openservicemesh.io/v1alpha1',
    kind: 'IngressBackend',
    metadata: { name: 'httpbin', namespace: 'httpbin' },
    spec: {
      backends: [{ name: 'httpbin', port: { number: 14001, protocol: 'http' } }],
      sources: [{ kind: 'Service', name: 'ingress-nginx-controller', namespace: 'ingress-nginx' }],
    },
  },
  {
    apiVersion: 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
    spec: { featureFlags: { enableIngressBackendPolicy: true } },
  },
  {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'httpbin-gateway', namespace: 'istio-system', labels: { rev: '1' } },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'] }] },
  },
  {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'httpbin', namespace: 'istio-system' },
    spec: {
      hosts: ['httpbin.example.com'],
      gateways: ['httpbin-gateway'],
      http: [{ route: [{ destination: { host: 'httpbin.httpbin.svc.cluster.local', port: { number: 14001 } } }] }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: { name: 'httpbin', namespace: 'httpbin' },
    spec: { host: 'httpbin.httpbin.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  },
  {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'ServiceEntry',
    metadata: { name: 'external-api', namespace: 'httpbin' },
    spec: { hosts: ['api.example.com'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'DNS', location: 'MESH_EXTERNAL' },
  },
];

/**
 * The httpbin ingress of seed 002 (Istio's ingress walkthrough): its Gateway and VirtualService
 * as written there, plus the Namespace, Service (port 8000) and Endpoints they route to.
 */

export const HTTPBIN_NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels:
    openservicemesh.io/monitored-by: osm
`;

export const HTTPBIN_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 80
  selector:
    app: httpbin
`;

export const HTTPBIN_ENDPOINTS = `apiVersion: v1
kind: Endpoints
metadata:
  name: httpbin
subsets:
- addresses:
  - ip: 10.244.1.17
  ports:
  - name: http
    port: 80
`;

export const HTTPBIN_GATEWAY = `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector:
    istio: ingressgateway # use Istio default gateway implementation
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "httpbin.example.com"
`;

export const HTTPBIN_VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "httpbin.example.com"
  gateways:
  - httpbin-gateway
  http:
  - match:
    - uri:
        prefix: /status
    - uri:
        prefix: /delay
    route:
    - destination:
        port:
          number: 8000
        host: httpbin
`;

export const HTTPBIN_DOCUMENTS = [HTTPBIN_NAMESPACE, HTTPBIN_SERVICE, HTTPBIN_ENDPOINTS, HTTPBIN_GATEWAY, HTTPBIN_VIRTUAL_SERVICE];

/** All five as one multi-document body. */
export const HTTPBIN_YAML = HTTPBIN_DOCUMENTS.join('---\n');

export function yamlRequest(body: string, headers: Record<string, string> = {}) {
  return { method: 'POST' as const, url: '/v1/apply', payload: body, headers: { 'content-type': 'application/yaml', ...headers } };
}

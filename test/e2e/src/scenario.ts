/**
 * The proxyless routing scenario of the foundation issue as manifests: two backends behind their
 * own Services, and an `echo` Service whose VirtualService (bound to `mesh`) sends one method to
 * backend A and another service prefix to backend B.
 */
import type { Backend } from './backends.js';

export const NAMESPACE = 'echo';
export const ECHO_HOST = `echo.${NAMESPACE}.svc.cluster.local`;
export const ECHO_PORT = 7070;
export const TARGET = `xds:///${ECHO_HOST}:${ECHO_PORT}`;

function backendService(name: string, backend: Backend): string {
  return `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  selector:
    app: ${name}
  ports:
  - name: grpc
    port: ${ECHO_PORT}
    targetPort: ${backend.port}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
subsets:
- addresses:
  - ip: ${backend.host}
  ports:
  - name: grpc
    port: ${backend.port}
`;
}

/** Namespace, the `echo` Service and both backends' Services and Endpoints. */
export function servicesYaml(a: Backend, b: Backend): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: ${NAMESPACE}
spec:
  selector:
    app: echo
  ports:
  - name: grpc
    port: ${ECHO_PORT}
${backendService('backend-a', a)}${backendService('backend-b', b)}`;
}

/** The VirtualService: `helloTo` serves /echo.Echo/Hello, `otherTo` the /echo.Other/ prefix. */
export function virtualServiceYaml(helloTo: 'backend-a' | 'backend-b', otherTo: 'backend-a' | 'backend-b'): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: echo
  namespace: ${NAMESPACE}
spec:
  hosts:
  - echo
  gateways:
  - mesh
  http:
  - name: hello
    match:
    - uri:
        exact: /echo.Echo/Hello
    route:
    - destination:
        host: ${helloTo}
        port:
          number: ${ECHO_PORT}
  - name: other
    match:
    - uri:
        prefix: /echo.Other/
    route:
    - destination:
        host: ${otherTo}
        port:
          number: ${ECHO_PORT}
`;
}

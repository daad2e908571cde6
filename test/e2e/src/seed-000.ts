/**
 * Seed 000 (`shared/seeds/000_c7f57753af015f9c.txt`, OSM's "Ingress with Kubernetes Nginx Ingress
 * Controller") as manifests for the e2e replay, with the addresses of real peers on loopback:
 * nginx's upstream connections come from `nginxIp` (the ingress-nginx-controller endpoint), the
 * httpbin backend is an xDS-enabled gRPC server at `backend.ip:backend.port`. The seed speaks
 * HTTP; the peers here speak gRPC, so `backend-protocol` is `GRPC` / `GRPCS` where the seed has
 * `HTTP` / `HTTPS`. Everything else is the seed's.
 */
export const MESH_NAME = 'osm';
export const NGINX_NAMESPACE = 'ingress-nginx';
export const NGINX_SERVICE = 'ingress-nginx-controller';
export const HTTPBIN = 'httpbin';
/** The httpbin Service's port, as `kubectl get svc -n httpbin` shows it in the seed. */
export const HTTPBIN_SERVICE_PORT = 14001;
/** The SAN of the client certificate the MeshConfig asks for: `<service-account>.<namespace>.cluster.local` of nginx. */
export const TRUSTED_PRINCIPAL = 'ingress-nginx.ingress-nginx.cluster.local';
export const UNTRUSTED_PRINCIPAL = 'untrusted-client.cluster.local';
/** `proxy_ssl_name` of the seed: the httpbin backend's identity. */
export const HTTPBIN_SSL_NAME = 'httpbin.httpbin.cluster.local';
export const CLIENT_CERT_SECRET = { namespace: 'osm-system', name: 'osm-nginx-client-cert' };

export interface Seed000Peers {
  /** ingress-nginx-controller's endpoint: the source address of nginx's upstream connections. */
  nginxIp: string;
  backend: { ip: string; port: number };
}

/**
 * `osm namespace add ingress-nginx --disable-sidecar-injection`, `osm namespace add httpbin`,
 * nginx's Service and endpoint, and the httpbin Service, endpoint and Pod. The httpbin Service
 * keeps the seed's port 14001; its targetPort is the port the backend actually listens on.
 */
export function setupYaml(peers: Seed000Peers): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NGINX_NAMESPACE}
  labels:
    openservicemesh.io/monitored-by: ${MESH_NAME}
  annotations:
    openservicemesh.io/sidecar-injection: disabled
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${HTTPBIN}
  labels:
    openservicemesh.io/monitored-by: ${MESH_NAME}
---
apiVersion: v1
kind: Service
metadata:
  name: ${NGINX_SERVICE}
  namespace: ${NGINX_NAMESPACE}
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: ingress-nginx
  ports:
  - name: http
    port: 80
---
apiVersion: v1
kind: Endpoints
metadata:
  name: ${NGINX_SERVICE}
  namespace: ${NGINX_NAMESPACE}
subsets:
- addresses:
  - ip: ${peers.nginxIp}
  ports:
  - name: http
    port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
  labels:
    app: ${HTTPBIN}
spec:
  selector:
    app: ${HTTPBIN}
  ports:
  - name: grpc
    port: ${HTTPBIN_SERVICE_PORT}
    targetPort: ${peers.backend.port}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
subsets:
- addresses:
  - ip: ${peers.backend.ip}
  ports:
  - name: grpc
    port: ${peers.backend.port}
---
apiVersion: v1
kind: Pod
metadata:
  name: ${HTTPBIN}-0
  namespace: ${HTTPBIN}
  labels:
    app: ${HTTPBIN}
spec:
  serviceAccountName: ${HTTPBIN}
  containers:
  - name: ${HTTPBIN}
    ports:
    - name: grpc
      containerPort: ${peers.backend.port}
status:
  podIP: ${peers.backend.ip}
  phase: Running
`;
}

/** "HTTP イングレス": the Ingress (class nginx) and the IngressBackend admitting nginx's Service. */
export function httpIngressYaml(peers: Seed000Peers): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: "GRPC"
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: ${HTTPBIN}
            port:
              number: ${HTTPBIN_SERVICE_PORT}
---
kind: IngressBackend
apiVersion: policy.openservicemesh.io/v1alpha1
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
spec:
  backends:
  - name: ${HTTPBIN}
    port:
      number: ${peers.backend.port} # targetPort of httpbin service
      protocol: http
  sources:
  - kind: Service
    namespace: "${NGINX_NAMESPACE}"
    name: "${NGINX_SERVICE}"
`;
}

/** `kubectl edit meshconfig osm-mesh-config`: the ingress gateway's client certificate. */
export function meshConfigYaml(): string {
  return `apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata:
  name: osm-mesh-config
  namespace: ${CLIENT_CERT_SECRET.namespace}
spec:
  certificate:
    ingressGateway:
      secret:
        name: ${CLIENT_CERT_SECRET.name}
        namespace: ${CLIENT_CERT_SECRET.namespace}
      subjectAltNames:
      - ${TRUSTED_PRINCIPAL}
      validityDuration: 24h
`;
}

/** "HTTPS イングレス (mTLS and TLS)": the Ingress proxying over mTLS with the issued client certificate. */
export function httpsIngressYaml(): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: "GRPCS"
    # proxy_ssl_name for a service is of the form <service-account>.<namespace>.cluster.local
    nginx.ingress.kubernetes.io/configuration-snippet: |
      proxy_ssl_name "${HTTPBIN_SSL_NAME}";
    nginx.ingress.kubernetes.io/proxy-ssl-secret: "${CLIENT_CERT_SECRET.namespace}/${CLIENT_CERT_SECRET.name}"
    nginx.ingress.kubernetes.io/proxy-ssl-verify: "on"
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: ${HTTPBIN}
            port:
              number: ${HTTPBIN_SERVICE_PORT}
`;
}

/** The https IngressBackend, as the seed applies it three times: trusted, untrusted, untrusted with validation skipped. */
export function httpsIngressBackendYaml(peers: Seed000Peers, principal: string, skipClientCertValidation: boolean): string {
  return `apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata:
  name: ${HTTPBIN}
  namespace: ${HTTPBIN}
spec:
  backends:
  - name: ${HTTPBIN}
    port:
      number: ${peers.backend.port} # targetPort of httpbin service
      protocol: https
    tls:
      skipClientCertValidation: ${skipClientCertValidation}
  sources:
  - kind: Service
    name: "${NGINX_SERVICE}"
    namespace: "${NGINX_NAMESPACE}"
  - kind: AuthenticatedPrincipal
    name: ${principal}
`;
}

/**
 * The objects of the ingress story (seeds 000 and 004): the nginx and Contour IngressBackends,
 * a Kubernetes Ingress and IngressClass, the MeshConfig asking for the nginx client
 * certificate, and kinds stored without being compiled (Deployment, ConfigMap, HTTPProxy, …).
 */

export const INGRESS_STORY_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: httpbin
  labels: {openservicemesh.io/monitored-by: osm}
---
apiVersion: v1
kind: Namespace
metadata:
  name: ingress-nginx
  labels: {openservicemesh.io/monitored-by: osm}
  annotations: {openservicemesh.io/sidecar-injection: disabled}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: httpbin, namespace: httpbin}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: httpbin}
spec:
  ports: [{name: http, port: 14001}]
  selector: {app: httpbin}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin, namespace: httpbin}
spec:
  replicas: 1
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin}}
    spec:
      serviceAccountName: httpbin
      containers: [{name: httpbin, image: kennethreitz/httpbin, ports: [{containerPort: 14001}]}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: httpbin
  namespace: httpbin
  annotations:
    nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"
    nginx.ingress.kubernetes.io/proxy-ssl-secret: "osm-system/osm-nginx-client-cert"
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: httpbin, port: {number: 14001}}}
---
apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata: {name: httpbin, namespace: httpbin}
spec:
  backends:
  - name: httpbin
    port: {number: 14001, protocol: https}
    tls: {skipClientCertValidation: false}
  sources:
  - {kind: Service, name: ingress-nginx-controller, namespace: ingress-nginx}
  - {kind: AuthenticatedPrincipal, name: ingress-nginx.ingress-nginx.cluster.local}
---
apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata: {name: osm-mesh-config, namespace: osm-system}
spec:
  certificate:
    ingressGateway:
      secret: {name: osm-nginx-client-cert, namespace: osm-system}
      subjectAltNames: [ingress-nginx.ingress-nginx.cluster.local]
      validityDuration: 24h
  featureFlags: {enableIngressBackendPolicy: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: osm-contour-contour, namespace: osm-system}
data:
  contour.yaml: |
    tls:
      envoy-client-certificate: {name: osm-contour-envoy-client-cert, namespace: osm-system}
---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: {name: basic, namespace: test}
spec:
  virtualhost: {fqdn: foo-basic.bar.com}
  routes:
  - conditions: [{prefix: /}]
    services: [{name: foo, port: 80}]
---
apiVersion: projectcontour.io/v1
kind: TLSCertificateDelegation
metadata: {name: osm-ca-secret, namespace: osm-system}
spec:
  delegations: [{secretName: osm-ca-bundle, targetNamespaces: [test]}]
`;

/** A second IngressBackend for the same backend port as `httpbin/httpbin`: OSM rejects the later one. */
export const CONFLICTING_INGRESS_BACKEND = `apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata: {name: httpbin-from-contour, namespace: httpbin}
spec:
  backends:
  - name: httpbin
    port: {number: 14001, protocol: http}
  sources:
  - {kind: Service, name: osm-contour-envoy, namespace: osm-system}
`;

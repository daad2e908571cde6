/**
 * Malformed and invalid documents, each with where the problem is. Shared: the model's table
 * test runs every row through `parseDocuments` + `validateDocument`, and the api's HTTP-level
 * table test posts the same rows to `POST /v1/apply` (importing the compiled
 * `packages/model/dist/test/bad-documents.js`).
 *
 * A row with `line` is malformed text: parsing fails at that 1-based line (its `path` is "").
 * A row without `line` parses into one document that fails validation with an error at `path`
 * (among possibly others); `message`, when given, is part of that error's message.
 */

export interface BadDocument {
  name: string;
  yaml: string;
  path: string;
  line?: number;
  message?: string;
  /** For rows refused by the parser: the parse limit named in the error, when one is. */
  limit?: string;
}

const vs = (http: string, extraSpec = '') => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: httpbin
  namespace: web
spec:
  hosts:
  - httpbin.example.com
  gateways:
  - httpbin-gateway${extraSpec}
  http:
${http}`;

const gateway = (servers: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ingress
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
${servers}`;

const service = (spec: string, name = 'httpbin') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
${spec}`;

const ingressBackend = (backends: string, sources: string) => `apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata:
  name: httpbin
  namespace: httpbin
spec:
  backends:
${backends}  sources:
${sources}`;
const HTTP_BACKEND = '  - name: httpbin\n    port: {number: 14001, protocol: http}\n';
const HTTPS_BACKEND = '  - name: httpbin\n    port: {number: 14001, protocol: https}\n';
const SERVICE_SOURCE = '  - {kind: Service, name: ingress-nginx-controller, namespace: ingress-nginx}\n';
const PRINCIPAL_SOURCE = '  - {kind: AuthenticatedPrincipal, name: ingress-nginx.ingress-nginx.cluster.local}\n';

const ingress = (paths: string, apiVersion = 'networking.k8s.io/v1') => `apiVersion: ${apiVersion}
kind: Ingress
metadata:
  name: httpbin
  namespace: httpbin
spec:
  ingressClassName: nginx
  rules:
  - host: httpbin.example.com
    http:
      paths:
${paths}`;

const meshConfig = (certificate: string) => `apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata:
  name: osm-mesh-config
  namespace: osm-system
spec:
  certificate:
${certificate}`;
const INGRESS_GATEWAY_CERTIFICATE = `    ingressGateway:
      secret: {name: osm-nginx-client-cert, namespace: osm-system}
      subjectAltNames: [ingress-nginx.ingress-nginx.cluster.local]
      validityDuration: 24h
`;

const se = (rest: string, host = 'db.example.com') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
spec:
  hosts:
  - ${host}
  ports:
  - {number: 27017, name: tcp, protocol: TCP}
  location: MESH_EXTERNAL
${rest}`;

const dr = (rest: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
${rest}`;

export const BAD_DOCUMENTS: BadDocument[] = [
  // ---------------------------------------------------------------- malformed text
  {
    name: 'unclosed flow sequence',
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n  labels: [a, b\n',
    path: '',
    line: 6,
  },
  {
    name: 'tab used for indentation',
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: demo\n',
    path: '',
    line: 4,
    message: 'Tabs are not allowed',
  },
  {
    name: 'duplicate key',
    yaml: 'apiVersion: v1\nkind: Namespace\nkind: Service\nmetadata:\n  name: demo\n',
    path: '',
    line: 3,
    message: 'unique',
  },
  {
    name: 'mapping value where a sequence item was expected',
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n- oops\n',
    path: '',
    line: 5,
  },
  {
    name: 'unterminated quoted string in the second document',
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: "two\n',
    path: '',
    line: 10,
  },
  {
    name: 'truncated JSON',
    yaml: '{"apiVersion": "v1",\n "kind": "Namespace",\n "metadata": {"name": "demo"\n',
    path: '',
    line: 4,
  },
  {
    name: 'alias bomb (billion laughs)',
    yaml: [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      '',
    ].join('\n'),
    path: '',
    line: 1,
    message: 'resource exhaustion',
    limit: 'maxAliases',
  },

  // ---------------------------------------------------------------- envelope
  { name: 'a scalar instead of an object', yaml: 'just some text\n', path: '' },
  { name: 'kind missing', yaml: 'apiVersion: v1\nmetadata:\n  name: demo\n', path: 'kind', message: 'required' },
  {
    name: 'unknown kind',
    yaml: 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: demo\n',
    path: 'kind',
    message: 'known kinds: Namespace, Service',
  },
  {
    name: 'Gateway with a Kubernetes Gateway API version',
    yaml: gateway('  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n').replace('networking.istio.io/v1', 'gateway.networking.k8s.io/v1'),
    path: 'apiVersion',
    message: 'networking.istio.io/v1alpha3',
  },
  { name: 'metadata missing', yaml: 'apiVersion: v1\nkind: Namespace\n', path: 'metadata', message: 'required' },
  { name: 'metadata.name missing', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {}\n', path: 'metadata.name', message: 'required' },
  { name: 'Namespace name with a dot (must be a DNS label)', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.a\n', path: 'metadata.name', message: 'RFC 1123 label' },
  { name: 'Service name with upper case', yaml: service('  ports:\n  - port: 80\n', 'HttpBin'), path: 'metadata.name', message: 'RFC 1035' },
  {
    name: 'namespace with an underscore',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  namespace: my_ns\n',
    path: 'metadata.namespace',
  },
  {
    name: 'label value that is a number',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  labels:\n    version: 1\n',
    path: 'metadata.labels.version',
    message: 'expected string',
  },
  {
    name: 'annotation value that is a map',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  annotations:\n    sidecar.istio.io/inject: {enabled: true}\n',
    path: 'metadata.annotations["sidecar.istio.io/inject"]',
    message: 'expected string',
  },

  // ---------------------------------------------------------------- Kubernetes kinds
  { name: 'Service port out of range', yaml: service('  ports:\n  - port: 70000\n'), path: 'spec.ports[0].port', message: 'between 1 and 65535' },
  { name: 'Service port as a string', yaml: service('  ports:\n  - port: "80"\n'), path: 'spec.ports[0].port', message: 'expected integer' },
  { name: 'Service targetPort name too long', yaml: service('  ports:\n  - port: 80\n    targetPort: http-primary-port\n'), path: 'spec.ports[0].targetPort' },
  {
    name: 'Service with two unnamed ports',
    yaml: service('  ports:\n  - port: 80\n  - port: 443\n'),
    path: 'spec.ports[1].name',
    message: 'more than one port',
  },
  { name: 'Service clusterIP not an IP', yaml: service('  clusterIP: 10.0.0.300\n  ports:\n  - port: 80\n'), path: 'spec.clusterIP', message: 'IP' },
  {
    name: 'Endpoints address that is not an IP',
    yaml: 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: httpbin\nsubsets:\n- addresses:\n  - ip: 10.1.2\n  ports:\n  - port: 8080\n',
    path: 'subsets[0].addresses[0].ip',
  },
  {
    name: 'EndpointSlice without addressType',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: httpbin-abc\nendpoints:\n- addresses: ["10.1.2.3"]\nports:\n- port: 8080\n',
    path: 'addressType',
    message: 'required',
  },
  {
    name: 'EndpointSlice IPv6 slice with an IPv4 address',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: httpbin-abc\naddressType: IPv6\nendpoints:\n- addresses: ["10.1.2.3"]\nports:\n- port: 8080\n',
    path: 'endpoints[0].addresses[0]',
    message: 'IPv6',
  },
  {
    name: 'Pod IP that is not an IP',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\nstatus:\n  podIP: fe80::1::2\n',
    path: 'status.podIP',
  },
  {
    name: 'Pod containerPort zero',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\nspec:\n  containers:\n  - name: web\n    ports:\n    - containerPort: 0\n',
    path: 'spec.containers[0].ports[0].containerPort',
  },

  // ---------------------------------------------------------------- Gateway
  { name: 'Gateway without servers', yaml: gateway('  servers: []\n'), path: 'spec.servers', message: 'at least one server' },
  { name: 'Gateway server without hosts', yaml: gateway('  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n'), path: 'spec.servers[0].hosts' },
  {
    name: 'Gateway second server with an unknown protocol',
    yaml: gateway(
      '  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n  - port: {number: 21, name: ftp, protocol: FTP}\n    hosts: ["*"]\n',
    ),
    path: 'spec.servers[1].port.protocol',
    message: 'HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS',
  },
  {
    name: 'Gateway HTTPS server without tls',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [httpbin.example.com]\n'),
    path: 'spec.servers[0].tls',
  },
  {
    name: 'Gateway SIMPLE TLS without a certificate',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE}\n    hosts: [httpbin.example.com]\n'),
    path: 'spec.servers[0].tls',
    message: 'credentialName',
  },
  {
    name: 'Gateway MUTUAL TLS without a certificate',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: MUTUAL}\n    hosts: [httpbin.example.com]\n'),
    path: 'spec.servers[0].tls',
    message: 'MUTUAL TLS requires credentialName',
  },
  {
    name: 'Gateway HTTPS MUTUAL with certificate files and no caCertificates',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: MUTUAL, serverCertificate: /etc/cert.pem, privateKey: /etc/key.pem}\n    hosts: [httpbin.example.com]\n'),
    path: 'spec.servers[0].tls',
    message: 'requires caCertificates',
  },
  {
    name: 'Gateway host with a bad namespace part',
    yaml: gateway('  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["Bad_NS/httpbin.example.com"]\n'),
    path: 'spec.servers[0].hosts[0]',
  },

  // ---------------------------------------------------------------- VirtualService
  {
    name: 'VirtualService without hosts',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: httpbin\nspec:\n  http:\n  - route:\n    - destination: {host: httpbin}\n',
    path: 'spec.hosts',
    message: 'at least one host',
  },
  {
    name: 'destination port number as a string',
    yaml: vs('  - route:\n    - destination:\n        host: httpbin\n        port:\n          number: "8000"\n'),
    path: 'spec.http[0].route[0].destination.port.number',
    message: 'expected integer',
  },
  { name: 'destination without host', yaml: vs('  - route:\n    - destination:\n        port: {number: 8000}\n'), path: 'spec.http[0].route[0].destination.host', message: 'required' },
  {
    name: 'uri regex that does not compile',
    yaml: vs('  - match:\n    - uri:\n        regex: "/api/(v1"\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].uri.regex',
    message: 'invalid regular expression',
  },
  {
    name: 'uri regex with lookahead (not RE2)',
    yaml: vs('  - match:\n    - uri:\n        regex: "/api/(?!internal).*"\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].uri.regex',
    message: 'invalid regular expression',
  },
  // Found by the Envoy-rules property test (packages/compiler/test/envoy-rules-property.test.ts):
  // each was accepted and compiled into a resource Envoy refuses.
  {
    name: 'empty uri regex (Envoy: RegexMatcher.regex min_len 1)',
    yaml: vs('  - match:\n    - uri:\n        regex: ""\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].uri.regex',
    message: 'must not be empty',
  },
  {
    name: 'header name that is no HTTP token',
    yaml: vs('  - match:\n    - headers:\n        "x user": {exact: a}\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].headers["x user"]',
    message: 'not a valid HTTP header name',
  },
  {
    name: 'rewrite uri with a line feed (Envoy: HTTP_HEADER_VALUE)',
    yaml: vs('  - rewrite: {uri: "/a\\nb"}\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].rewrite.uri',
    message: 'must not contain NUL, CR or LF',
  },
  {
    name: 'redirect authority with a carriage return',
    yaml: vs('  - redirect: {authority: "a\\rb"}\n'),
    path: 'spec.http[0].redirect.authority',
    message: 'must not contain NUL, CR or LF',
  },
  {
    name: 'timeout beyond the longest Go duration',
    yaml: vs('  - timeout: 100000000h\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].timeout',
    message: 'longer than the longest duration',
  },
  {
    name: 'StringMatch with both prefix and exact',
    yaml: vs('  - match:\n    - uri:\n        prefix: /status\n        exact: /status/200\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].uri',
    message: 'exactly one of exact, prefix or regex',
  },
  {
    name: 'header StringMatch with none of exact, prefix, regex',
    yaml: vs('  - match:\n    - headers:\n        x-user: {}\n    route:\n    - destination: {host: httpbin}\n'),
    path: 'spec.http[0].match[0].headers["x-user"]',
    message: 'exactly one of exact, prefix or regex',
  },
  {
    name: 'weights that add up to 90',
    yaml: vs('  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 60\n    - destination: {host: httpbin, subset: v2}\n      weight: 30\n'),
    path: 'spec.http[0].route',
    message: 'add up to 100',
  },
  {
    name: 'weight above 100',
    yaml: vs('  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 0\n    - destination: {host: httpbin, subset: v2}\n      weight: 150\n'),
    path: 'spec.http[0].route[1].weight',
    message: 'between 0 and 100',
  },
  {
    name: 'fractional weight',
    yaml: vs('  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 12.5\n    - destination: {host: httpbin, subset: v2}\n      weight: 87.5\n'),
    path: 'spec.http[0].route[0].weight',
    message: 'expected integer',
  },
  {
    name: 'gateway reference with upper case',
    yaml: vs('  - route:\n    - destination: {host: httpbin}\n').replace('  - httpbin-gateway', '  - Istio-System/Ingress'),
    path: 'spec.gateways[0]',
  },
  { name: 'http route without route, redirect or directResponse', yaml: vs('  - match:\n    - uri: {prefix: /}\n'), path: 'spec.http[0]', message: 'one of route, redirect or directResponse' },
  { name: 'timeout that is not a duration', yaml: vs('  - timeout: 5 seconds\n    route:\n    - destination: {host: httpbin}\n'), path: 'spec.http[0].timeout', message: 'duration' },
  { name: 'http that is a map instead of a list', yaml: vs('    route:\n    - destination: {host: httpbin}\n'), path: 'spec.http', message: 'expected array' },

  // ---------------------------------------------------------------- IngressBackend
  {
    name: 'IngressBackend http backend with only an AuthenticatedPrincipal source',
    yaml: ingressBackend(HTTP_BACKEND, PRINCIPAL_SOURCE),
    path: 'spec.sources',
    message: 'an http backend needs a Service or IPRange source',
  },
  {
    name: 'IngressBackend https backend without a principal and without skipClientCertValidation',
    yaml: ingressBackend(HTTPS_BACKEND, SERVICE_SOURCE),
    path: 'spec.sources',
    message: 'an https backend needs an AuthenticatedPrincipal source unless tls.skipClientCertValidation is true',
  },
  { name: 'IngressBackend IPRange with a prefix longer than 32', yaml: ingressBackend(HTTP_BACKEND, '  - {kind: IPRange, name: 10.0.0.0/33}\n'), path: 'spec.sources[0].name', message: 'CIDR' },
  { name: 'IngressBackend IPRange that is an address, not a CIDR', yaml: ingressBackend(HTTP_BACKEND, '  - {kind: IPRange, name: 10.0.0.1}\n'), path: 'spec.sources[0].name', message: 'CIDR' },
  {
    name: 'IngressBackend source of an unknown kind',
    yaml: ingressBackend(HTTP_BACKEND, `${SERVICE_SOURCE}  - {kind: Pod, name: nginx-0}\n`),
    path: 'spec.sources[1].kind',
    message: 'must be one of Service, AuthenticatedPrincipal, IPRange',
  },
  {
    name: 'IngressBackend backend protocol grpc',
    yaml: ingressBackend('  - name: httpbin\n    port: {number: 14001, protocol: grpc}\n', SERVICE_SOURCE),
    path: 'spec.backends[0].port.protocol',
    message: 'must be http or https',
  },
  {
    name: 'IngressBackend Service source without a namespace',
    yaml: ingressBackend(HTTP_BACKEND, '  - {kind: Service, name: ingress-nginx-controller}\n'),
    path: 'spec.sources[0].namespace',
    message: 'required',
  },
  {
    name: 'IngressBackend claiming the same backend port twice',
    yaml: ingressBackend(`${HTTP_BACKEND}${HTTP_BACKEND}`, SERVICE_SOURCE),
    path: 'spec.backends[1].name',
    message: 'duplicate backend',
  },
  {
    name: 'IngressBackend backend port number zero',
    yaml: ingressBackend('  - name: httpbin\n    port: {number: 0, protocol: http}\n', SERVICE_SOURCE),
    path: 'spec.backends[0].port.number',
    message: 'between 1 and 65535',
  },
  {
    name: 'IngressBackend skipClientCertValidation as a string',
    yaml: ingressBackend(`${HTTPS_BACKEND}    tls: {skipClientCertValidation: "yes"}\n`, PRINCIPAL_SOURCE),
    path: 'spec.backends[0].tls.skipClientCertValidation',
    message: 'expected boolean',
  },
  { name: 'IngressBackend without sources', yaml: ingressBackend(HTTP_BACKEND, '    []\n'), path: 'spec.sources', message: 'at least one source' },

  // ---------------------------------------------------------------- Ingress and IngressClass
  {
    name: 'Ingress Prefix path that does not start with /',
    yaml: ingress('      - path: status\n        pathType: Prefix\n        backend: {service: {name: httpbin, port: {number: 8000}}}\n'),
    path: 'spec.rules[0].http.paths[0].path',
    message: 'must start with "/"',
  },
  {
    name: 'Ingress Prefix path with a query (Envoy: path_separated_prefix pattern)',
    yaml: ingress('      - path: /status?x=1\n        pathType: Prefix\n        backend: {service: {name: httpbin, port: {number: 8000}}}\n'),
    path: 'spec.rules[0].http.paths[0].path',
    message: 'must not contain "?" or "#"',
  },
  {
    name: 'Ingress Exact path with an empty segment',
    yaml: ingress('      - path: /status//200\n        pathType: Exact\n        backend: {service: {name: httpbin, port: {number: 8000}}}\n'),
    path: 'spec.rules[0].http.paths[0].path',
    message: 'must not contain "//"',
  },
  {
    name: 'Ingress unknown pathType',
    yaml: ingress('      - path: /status\n        pathType: Regex\n        backend: {service: {name: httpbin, port: {number: 8000}}}\n'),
    path: 'spec.rules[0].http.paths[0].pathType',
    message: 'must be one of Exact, Prefix, ImplementationSpecific',
  },
  {
    name: 'Ingress path backend without a service',
    yaml: ingress('      - path: /status\n        pathType: Prefix\n        backend: {}\n'),
    path: 'spec.rules[0].http.paths[0].backend.service',
    message: 'required',
  },
  {
    name: 'Ingress service port with both number and name',
    yaml: ingress('      - path: /\n        pathType: Prefix\n        backend: {service: {name: httpbin, port: {number: 8000, name: http}}}\n'),
    path: 'spec.rules[0].http.paths[0].backend.service.port',
    message: 'exactly one of number or name',
  },
  {
    name: 'Ingress v1beta1 backend without servicePort',
    yaml: ingress('      - path: /status/*\n        backend: {serviceName: httpbin}\n', 'networking.k8s.io/v1beta1'),
    path: 'spec.rules[0].http.paths[0].backend.servicePort',
    message: 'required',
  },
  {
    name: 'Ingress rule host that is an IP address',
    yaml: ingress('      - path: /\n        pathType: Prefix\n        backend: {service: {name: httpbin, port: {number: 8000}}}\n').replace('host: httpbin.example.com', 'host: 203.0.113.10'),
    path: 'spec.rules[0].host',
    message: 'not an IP address',
  },
  {
    name: 'Ingress with neither rules nor defaultBackend',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: empty\nspec:\n  ingressClassName: istio\n',
    path: 'spec.rules',
    message: 'either rules or defaultBackend is required',
  },
  { name: 'IngressClass without a controller', yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: istio\nspec: {}\n', path: 'spec.controller', message: 'required' },
  {
    name: 'IngressClass controller without a domain',
    yaml: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: istio\nspec:\n  controller: ingress-controller\n',
    path: 'spec.controller',
    message: 'domain-prefixed path',
  },

  // ---------------------------------------------------------------- MeshConfig
  {
    name: 'MeshConfig ingressGateway validityDuration "forever"',
    yaml: meshConfig(INGRESS_GATEWAY_CERTIFICATE.replace('validityDuration: 24h', 'validityDuration: forever')),
    path: 'spec.certificate.ingressGateway.validityDuration',
    message: 'must be a duration',
  },
  {
    name: 'MeshConfig ingressGateway validityDuration of zero',
    yaml: meshConfig(INGRESS_GATEWAY_CERTIFICATE.replace('validityDuration: 24h', 'validityDuration: 0s')),
    path: 'spec.certificate.ingressGateway.validityDuration',
    message: 'longer than zero',
  },
  {
    name: 'MeshConfig ingressGateway secret without a name',
    yaml: meshConfig(INGRESS_GATEWAY_CERTIFICATE.replace('name: osm-nginx-client-cert, ', '')),
    path: 'spec.certificate.ingressGateway.secret.name',
    message: 'required',
  },
  {
    name: 'MeshConfig ingressGateway subjectAltName that is an IP address',
    yaml: meshConfig(INGRESS_GATEWAY_CERTIFICATE.replace('[ingress-nginx.ingress-nginx.cluster.local]', '[10.0.0.1]')),
    path: 'spec.certificate.ingressGateway.subjectAltNames[0]',
    message: 'DNS name',
  },
  {
    name: 'MeshConfig serviceCertValidityDuration with a unit Go does not know',
    yaml: meshConfig('    serviceCertValidityDuration: 1d\n'),
    path: 'spec.certificate.serviceCertValidityDuration',
    message: 'must be a duration',
  },
  { name: 'MeshConfig sidecar section that is a list', yaml: `${meshConfig('    certKeyBitSize: 2048\n')}  sidecar: [logLevel]\n`, path: 'spec.sidecar', message: 'expected object' },

  // ---------------------------------------------------------------- Secrets and foreign kinds
  {
    name: 'a kubernetes.io/tls Secret without tls.crt',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: osm-nginx-client-cert\ntype: kubernetes.io/tls\ndata:\n  tls.key: c2VjcmV0\n',
    path: 'data',
    message: 'needs the keys tls.crt and tls.key (missing: tls.crt)',
  },
  {
    name: 'a kubernetes.io/tls Secret with neither tls.crt nor tls.key',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cred\ntype: kubernetes.io/tls\nstringData:\n  ca.crt: x\n',
    path: 'data',
    message: 'missing: tls.crt, tls.key',
  },
  {
    name: 'a Secret value that is not base64',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  key: "not base64!"\n',
    path: 'data.key',
    message: 'not valid base64 (the value is not shown)',
  },
  {
    name: 'a Secret key name Kubernetes refuses',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  "a/b": x\n',
    path: 'stringData["a/b"]',
    message: 'a key may hold only letters',
  },
  {
    name: 'a Secret of a type meshgate does not store',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: kubernetes.io/service-account-token\n',
    path: 'type',
    message: 'kubernetes.io/tls or Opaque',
  },
  {
    name: 'an immutable Secret',
    yaml: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nimmutable: true\n',
    path: 'immutable',
    message: 'not supported',
  },
  {
    name: 'Deployment in a version meshgate does not take',
    yaml: 'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: httpbin\nspec: {replicas: 1}\n',
    path: 'apiVersion',
    message: 'apps/v1',
  },
  {
    name: 'HTTPProxy with a number YAML reads as not-a-number',
    yaml: 'apiVersion: projectcontour.io/v1\nkind: HTTPProxy\nmetadata:\n  name: basic\nspec:\n  routes:\n  - timeoutPolicy: {weight: .nan}\n',
    path: 'spec.routes[0].timeoutPolicy.weight',
    message: 'finite number',
  },
  { name: 'ConfigMap without a name', yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: osm-system\ndata:\n  a: b\n', path: 'metadata.name', message: 'required' },
  // ---------------------------------------------------------------- gateway TLS, tls and tcp routes (issue 9)
  {
    name: 'Gateway with two servers of one port name',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: a}\n    hosts: [a.example.com]\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: b}\n    hosts: [b.example.com]\n'),
    path: 'spec.servers[1].port.name',
    message: 'duplicate port name',
  },
  {
    name: 'Gateway TLS maximum version below the minimum',
    yaml: gateway('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: a, minProtocolVersion: TLSV1_3, maxProtocolVersion: TLSV1_2}\n    hosts: [a.example.com]\n'),
    path: 'spec.servers[0].tls.maxProtocolVersion',
  },
  {
    name: 'VirtualService tls match without sniHosts',
    yaml: vs('', '\n  tls:\n  - match: [{port: 443}]\n    route: [{destination: {host: nginx, port: {number: 443}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tls[0].match[0].sniHosts',
  },
  {
    name: 'VirtualService tls sniHost outside its hosts',
    yaml: vs('', '\n  tls:\n  - match: [{sniHosts: [other.example.org]}]\n    route: [{destination: {host: nginx, port: {number: 443}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tls[0].match[0].sniHosts[0]',
    message: 'not within',
  },
  {
    name: 'VirtualService tls route without a match',
    yaml: vs('', '\n  tls:\n  - route: [{destination: {host: nginx, port: {number: 443}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tls[0].match',
  },
  {
    name: 'VirtualService tcp destinationSubnets not a CIDR',
    yaml: vs('', '\n  tcp:\n  - match: [{destinationSubnets: [10.0.0.0/33]}]\n    route: [{destination: {host: db, port: {number: 5432}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tcp[0].match[0].destinationSubnets[0]',
  },
  {
    name: 'VirtualService tcp weights not adding up to 100',
    yaml: vs('', '\n  tcp:\n  - route: [{destination: {host: a, port: {number: 1}}, weight: 50}, {destination: {host: b, port: {number: 1}}, weight: 20}]').replace('\n  http:\n', '\n'),
    path: 'spec.tcp[0].route',
    message: 'add up to 100',
  },
  {
    name: 'VirtualService tcp match on sourceNamespace (not supported)',
    yaml: vs('', '\n  tcp:\n  - match: [{sourceNamespace: other}]\n    route: [{destination: {host: db, port: {number: 5432}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tcp[0].match[0].sourceNamespace',
    message: 'not supported',
  },
  {
    name: 'VirtualService tcp match with a misspelt key (it must not become a match on everything)',
    yaml: vs('', '\n  tcp:\n  - match: [{destinationSubnet: [203.0.113.7/32]}]\n    route: [{destination: {host: db, port: {number: 5432}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tcp[0].match[0].destinationSubnet',
    message: 'unknown field',
  },
  {
    name: 'VirtualService tls match with both sniHosts and sni_hosts',
    yaml: vs('', '\n  tls:\n  - match: [{sniHosts: [httpbin.example.com], sni_hosts: [httpbin.example.com]}]\n    route: [{destination: {host: nginx, port: {number: 443}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tls[0].match[0].sni_hosts',
    message: 'give one of them',
  },
  {
    name: 'VirtualService tcp destination with a misspelt subset',
    yaml: vs('', '\n  tcp:\n  - route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subet: mongo, port: {number: 443}}}]').replace('\n  http:\n', '\n'),
    path: 'spec.tcp[0].route[0].destination.subet',
    message: 'unknown field',
  },
  // ServiceEntry and DestinationRule (issue 10)
  { name: 'ServiceEntry with a bad CIDR', yaml: se('  addresses: [10.0.0.0/33]\n  resolution: STATIC\n  endpoints: [{address: 10.0.0.1}]\n'), path: 'spec.addresses[0]', message: 'IP address or a CIDR' },
  { name: 'ServiceEntry STATIC without endpoints', yaml: se('  resolution: STATIC\n  addresses: [203.0.113.7]\n'), path: 'spec.endpoints', message: 'STATIC needs at least one endpoint' },
  { name: 'ServiceEntry STATIC with a DNS name as endpoint', yaml: se('  resolution: STATIC\n  addresses: [203.0.113.7]\n  endpoints: [{address: db.example.com}]\n'), path: 'spec.endpoints[0].address', message: 'needs an IP address' },
  { name: 'ServiceEntry with an unknown resolution', yaml: se('  resolution: MAGIC\n'), path: 'spec.resolution', message: 'must be one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS' },
  { name: 'ServiceEntry NONE with a TCP port and no addresses', yaml: se('  resolution: NONE\n'), path: 'spec.addresses', message: 'addresses are required' },
  { name: 'ServiceEntry with the host "*"', yaml: se('  resolution: DNS\n', '"*"'), path: 'spec.hosts[0]', message: 'not allowed' },
  { name: 'ServiceEntry with an IP as host', yaml: se('  resolution: DNS\n', '203.0.113.7'), path: 'spec.hosts[0]', message: 'IP addresses are not allowed' },
  { name: 'ServiceEntry DNS with a wildcard host and no endpoints', yaml: se('  resolution: DNS\n', '"*.example.com"'), path: 'spec.hosts[0]', message: 'not wildcards' },
  { name: 'ServiceEntry with an unsupported protocol', yaml: se('  resolution: DNS\n').replace('protocol: TCP', 'protocol: REDIS'), path: 'spec.ports[0].protocol', message: 'not supported by meshgate' },
  { name: 'ServiceEntry with an unknown field', yaml: se('  resolution: DNS\n  resolutoin: STATIC\n'), path: 'spec.resolutoin', message: 'unknown field' },
  { name: 'ServiceEntry with workloadSelector', yaml: se('  resolution: DNS\n  workloadSelector: {labels: {app: db}}\n'), path: 'spec.workloadSelector', message: 'not supported by meshgate' },
  { name: 'ServiceEntry endpoint port naming no port', yaml: se('  resolution: DNS\n  endpoints: [{address: db.example.com, ports: {mysql: 3306}}]\n'), path: 'spec.endpoints[0].ports.mysql', message: 'no port of the ServiceEntry' },
  { name: 'ServiceEntry DYNAMIC_DNS with an exact host', yaml: se('  resolution: DYNAMIC_DNS\n').replace('protocol: TCP', 'protocol: TLS'), path: 'spec.hosts[0]', message: 'for wildcard hosts' },
  { name: 'ServiceEntry DYNAMIC_DNS with a TCP port', yaml: se('  resolution: DYNAMIC_DNS\n', '"*.example.com"'), path: 'spec.ports[0].protocol', message: 'use TLS (SNI) or HTTP (Host)' },
  { name: 'ServiceEntry DYNAMIC_DNS with endpoints', yaml: se('  resolution: DYNAMIC_DNS\n  endpoints: [{address: 203.0.113.7}]\n', '"*.example.com"').replace('protocol: TCP', 'protocol: TLS'), path: 'spec.endpoints', message: 'no endpoints may be given with resolution DYNAMIC_DNS' },
  { name: 'ServiceEntry DYNAMIC_DNS with addresses', yaml: se('  resolution: DYNAMIC_DNS\n  addresses: [203.0.113.7]\n', '"*.example.com"').replace('protocol: TCP', 'protocol: TLS'), path: 'spec.addresses', message: 'no addresses may be given with resolution DYNAMIC_DNS' },
  { name: 'ServiceEntry allow-private-destinations neither true nor false', yaml: se('  resolution: DYNAMIC_DNS\n', '"*.example.com"').replace('protocol: TCP', 'protocol: TLS').replace('  name: db\n', '  name: db\n  annotations: {meshgate.io/allow-private-destinations: "yes"}\n'), path: 'metadata.annotations["meshgate.io/allow-private-destinations"]', message: 'must be "true" or "false"' },
  { name: 'ServiceEntry with a duplicate port number', yaml: se('  resolution: DNS\n').replace('  location:', '  - {number: 27017, name: tcp2, protocol: TCP}\n  location:'), path: 'spec.ports[1].number', message: 'duplicate port number' },
  {
    name: 'Gateway ISTIO_MUTUAL server with a credentialName (Istio refuses it: the mesh identity is used)',
    yaml: gateway('  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    tls: {mode: ISTIO_MUTUAL, credentialName: egress-cred}\n    hosts: [mongo.example.com]\n'),
    path: 'spec.servers[0].tls.credentialName',
    message: 'ISTIO_MUTUAL',
  },
  { name: 'DestinationRule ISTIO_MUTUAL with a credentialName', yaml: dr('  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL, credentialName: db-cred}\n'), path: 'spec.trafficPolicy.tls.credentialName', message: 'ISTIO_MUTUAL' },
  { name: 'DestinationRule MUTUAL without a certificate', yaml: dr('  trafficPolicy:\n    tls: {mode: MUTUAL}\n'), path: 'spec.trafficPolicy.tls', message: 'needs credentialName' },
  { name: 'DestinationRule consistentHash with two keys', yaml: dr('  trafficPolicy:\n    loadBalancer:\n      consistentHash: {httpHeaderName: x-user, useSourceIp: true}\n'), path: 'spec.trafficPolicy.loadBalancer.consistentHash', message: 'exactly one' },
  { name: 'DestinationRule with an unknown load balancer', yaml: dr('  trafficPolicy:\n    loadBalancer: {simple: FASTEST}\n'), path: 'spec.trafficPolicy.loadBalancer.simple', message: 'must be one of' },
  { name: 'DestinationRule with a zero connect timeout (Envoy refuses it)', yaml: dr('  trafficPolicy:\n    connectionPool:\n      tcp: {connectTimeout: 0s}\n'), path: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', message: 'at least 1ms' },
  { name: 'DestinationRule with a bad outlier interval', yaml: dr('  trafficPolicy:\n    outlierDetection: {interval: 5 seconds}\n'), path: 'spec.trafficPolicy.outlierDetection.interval', message: 'duration' },
  { name: 'DestinationRule with tunnel (not implemented)', yaml: dr('  trafficPolicy:\n    tunnel: {protocol: CONNECT, targetHost: proxy, targetPort: 8080}\n'), path: 'spec.trafficPolicy.tunnel', message: 'not supported by meshgate' },
  { name: 'DestinationRule with a top-level trafficPolicy (seed 003 step 3 indentation)', yaml: dr('') + 'trafficPolicy:\n  loadBalancer: {simple: ROUND_ROBIN}\n', path: 'trafficPolicy', message: 'unknown field' },
  { name: 'DestinationRule with a duplicate subset', yaml: dr('  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v1, labels: {version: v2}}\n'), path: 'spec.subsets[1].name', message: 'duplicate subset name' },
];

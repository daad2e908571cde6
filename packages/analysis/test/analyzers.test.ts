/** Each analyzer against small states built through the model, as files would give them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocuments } from '@meshgate/model';
import { analyzeDocuments, formatMessage, reachesThreshold, type AnalysisMessage } from '../src/index.js';

function analyzeYaml(yaml: string): AnalysisMessage[] {
  const parsed = parseDocuments(yaml);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  return analyzeDocuments(parsed.documents.map((document, i) => ({ document, origin: `test.yaml (document ${i + 1})` })));
}

const lines = (messages: AnalysisMessage[]) => messages.map((m) => `${m.level} [${m.code}] (${m.object.kind} ${m.object.namespace}/${m.object.name}) ${m.message}`);

const HTTPBIN = `apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 80}]
`;

// Seed 002's HTTPS step as written there: the Gateway is called mygateway, the VirtualService
// still names httpbin-gateway (deleted in the step before).
const SEED_002_HTTPS = `${HTTPBIN}---
apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: mygateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: httpbin-credential}
    hosts: [httpbin.example.com]
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: ["httpbin.example.com"]
  gateways: [httpbin-gateway]
  http:
  - match:
    - uri: {prefix: /status}
    - uri: {prefix: /delay}
    route:
    - destination: {port: {number: 8000}, host: httpbin}
`;

const gateway = (name: string, port: number, hosts: string[], selector = 'istio: ingressgateway') => `---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
  selector: {${selector}}
  servers:
  - port: {number: ${port}, name: http-${port}, protocol: HTTP}
    hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
`;

describe('analyzers', () => {
  it('IST0101: seed 002\'s typo — the VirtualService names a gateway that does not exist', () => {
    const messages = analyzeYaml(SEED_002_HTTPS);
    assert.deepEqual(lines(messages), ['Error [IST0101] (VirtualService default/httpbin) Referenced gateway not found: "default/httpbin-gateway"']);
    assert.equal(messages[0].path, 'spec.gateways');
    assert.equal(messages[0].origin, 'test.yaml (document 3)');
    assert.equal(formatMessage(messages[0]), 'Error [IST0101] (VirtualService default/httpbin test.yaml (document 3)) Referenced gateway not found: "default/httpbin-gateway"');
    assert.deepEqual(analyzeYaml(SEED_002_HTTPS.replace('gateways: [httpbin-gateway]', 'gateways: [mygateway]')), [], 'fixed, nothing to say');
  });

  it('IST0101: a destination host no Service or ServiceEntry provides; a match naming a missing gateway', () => {
    const yaml = `${HTTPBIN}${gateway('gw', 80, ['*'])}---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [a.example.com]
  gateways: [gw]
  http:
  - match: [{gateways: [other-gw]}]
    route: [{destination: {host: httpbin, port: {number: 8000}}}]
  - route: [{destination: {host: nowhere, port: {number: 80}}}]
`;
    assert.deepEqual(lines(analyzeYaml(yaml)), [
      'Error [IST0101] (VirtualService default/vs) Referenced gateway not found: "default/other-gw"',
      'Error [IST0101] (VirtualService default/vs) Referenced host not found: "nowhere.default.svc.cluster.local"',
    ]);
    const withEntry = `${yaml}---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: nowhere, namespace: default}
spec: {hosts: [nowhere.default.svc.cluster.local], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
`;
    assert.equal(analyzeYaml(withEntry).filter((m) => m.message.includes('host not found')).length, 0, 'a ServiceEntry host counts');
  });

  it('IST0132: a VirtualService host the gateway does not serve (namespace-scoped server hosts included)', () => {
    const yaml = `${HTTPBIN}${gateway('gw', 80, ['a.example.com', 'other/b.example.com'])}---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [a.example.com, b.example.com, c.example.com]
  gateways: [gw]
  http: [{route: [{destination: {host: httpbin}}]}]
`;
    assert.deepEqual(lines(analyzeYaml(yaml)), [
      'Warning [IST0132] (VirtualService default/vs) one or more host [b.example.com, c.example.com] defined in VirtualService default/vs not found in Gateway default/gw.',
    ]);
  });

  it('IST0145: two gateways, one selector, one port, overlapping hosts; not when the port or selector differs', () => {
    const yaml = `${gateway('gw-a', 80, ['*.example.com'])}${gateway('gw-b', 80, ['httpbin.example.com'])}${gateway('gw-c', 8080, ['httpbin.example.com'])}${gateway('gw-d', 80, ['httpbin.example.com'], 'app: other')}`;
    assert.deepEqual(lines(analyzeYaml(yaml)), [
      'Error [IST0145] (Gateway default/gw-a) Conflict with gateways default/gw-b (workload selector istio=ingressgateway, port 80, hosts *.example.com, httpbin.example.com).',
      'Error [IST0145] (Gateway default/gw-b) Conflict with gateways default/gw-a (workload selector istio=ingressgateway, port 80, hosts *.example.com, httpbin.example.com).',
    ]);
  });

  it('IST0109: two mesh VirtualServices for the same host', () => {
    const vs = (name: string, host: string) => `---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${host}]
  http: [{route: [{destination: {host: httpbin}}]}]
`;
    const messages = analyzeYaml(`${HTTPBIN}${vs('one', 'httpbin')}${vs('two', 'httpbin.default.svc.cluster.local')}`);
    assert.deepEqual(messages.map((m) => `${m.code} ${m.object.name}`), ['IST0109 one', 'IST0109 two']);
    assert.match(messages[0].message, /^The VirtualServices VirtualService default\/one, VirtualService default\/two associated with mesh gateway define the same host httpbin\.default\.svc\.cluster\.local/);
  });

  it('IST0130 and IST0131: rules after a catch-all, and a duplicate match', () => {
    const yaml = `${HTTPBIN}---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [httpbin]
  http:
  - match: [{uri: {prefix: /a}}, {uri: {prefix: /a}}]
    route: [{destination: {host: httpbin}}]
  - route: [{destination: {host: httpbin}}]
  - name: late
    match: [{uri: {prefix: /b}}]
    route: [{destination: {host: httpbin}}]
`;
    assert.deepEqual(lines(analyzeYaml(yaml)), [
      'Warning [IST0130] (VirtualService default/vs) VirtualService rule #2 (late) not used (only the last rule can have no matches).',
      'Info [IST0131] (VirtualService default/vs) VirtualService rule #0 match #1 is not used (duplicate match in rule #0 match #0).',
    ]);
  });

  it('IST0106 for a document that does not validate, MG0001 for a field accepted but not applied', () => {
    const yaml = `${HTTPBIN}---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: bad, namespace: default}
spec:
  hosts: [httpbin]
  http: [{route: [{destination: {host: httpbin, port: {number: eighty}}}]}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: mirrored, namespace: default}
spec:
  hosts: [httpbin.example.com]
  http: [{route: [{destination: {host: httpbin}}], mirror: {host: httpbin}}]
`;
    const messages = analyzeYaml(yaml);
    assert.deepEqual(lines(messages), [
      'Error [IST0106] (VirtualService default/bad) Schema validation error: spec.http[0].route[0].destination.port.number: expected integer, got string "eighty"',
      'Warning [MG0001] (VirtualService default/mirrored) spec.http[0].mirror: traffic mirroring is not implemented by meshgate; nothing is mirrored (kept as given, not applied)',
    ]);
    assert.ok(reachesThreshold(messages, 'Error'));
    assert.ok(!reachesThreshold(messages.slice(1), 'Error'));
    assert.ok(reachesThreshold(messages.slice(1), 'Warning'));
  });

  it('IST0101: an Ingress backend or an IngressBackend naming a Service that does not exist', () => {
    const yaml = `${HTTPBIN}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing, namespace: default, annotations: {kubernetes.io/ingress.class: istio}}
spec:
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: httpbin, port: {number: 8000}}}}
      - {path: /b, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}
---
apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata: {name: backend, namespace: default}
spec:
  backends: [{name: httpbin, port: {number: 80, protocol: http}}]
  sources: [{kind: Service, name: ingress-nginx-controller, namespace: ingress-nginx}]
`;
    const messages = analyzeYaml(yaml);
    assert.deepEqual(lines(messages), [
      'Error [IST0101] (Ingress default/ing) Referenced service not found: "default/missing"',
      'Error [IST0101] (IngressBackend default/backend) Referenced service not found: "ingress-nginx/ingress-nginx-controller"',
    ]);
    assert.deepEqual(messages.map((m) => m.path), ['spec.rules[0].http.paths[1].backend.service.name', 'spec.sources[0].name']);
  });
});

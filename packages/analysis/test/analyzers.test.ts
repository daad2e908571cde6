/** Each analyzer against small states built through the model, as files would give them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, evolve, initialState, parseDocuments, type MeshState, type SecretObject } from '@meshgate/model';
import { analyzeDocuments, formatMessage, reachesThreshold, validationMessageOf, validationMessagesByObject, type AnalysisMessage } from '../src/index.js';

function analyzeYaml(yaml: string, base?: MeshState): AnalysisMessage[] {
  const parsed = parseDocuments(yaml);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  return analyzeDocuments(
    parsed.documents.map((document, i) => ({ document, origin: `test.yaml (document ${i + 1})` })),
    base ? { base } : {},
  );
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
---
apiVersion: v1
kind: Secret
metadata: {name: httpbin-credential, namespace: default}
type: kubernetes.io/tls
stringData: {tls.crt: certificate, tls.key: key}
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
  describe('IST0161 InvalidGatewayCredential', () => {
    const tlsGateway = (mode: string, namespace = 'istio-system') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: ${namespace}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: ${mode}, credentialName: cred}
    hosts: [httpbin.example.com]
`;
    const secret = (name: string, namespace: string, data: string, type = 'kubernetes.io/tls') =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ${namespace}}\ntype: ${type}\nstringData: {${data}}\n`;
    const pod = (namespace: string) =>
      `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ingress-1, namespace: ${namespace}, labels: {istio: ingressgateway}}\nspec:\n  containers: [{name: istio-proxy}]\n`;
    const deployment = (namespace: string) =>
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: ${namespace}}\nspec:\n  template:\n    metadata: {labels: {istio: ingressgateway, app: x}}\n`;
    const KEY_PAIR = 'tls.crt: c, tls.key: k';

    it('a missing Secret, looked up in the Gateway\'s namespace when no workload is known (and saying so)', () => {
      const messages = analyzeYaml(tlsGateway('SIMPLE'));
      assert.deepEqual(lines(messages), [
        'Error [IST0161] (Gateway istio-system/gw) invalid certificate reference cred of port 443 (resolved in namespace istio-system: no workload known for selector istio=ingressgateway; the Gateway\'s namespace): Secret istio-system/cred does not exist (credentials are looked up in the gateway workload\'s namespace); the server is not served.',
      ]);
      assert.equal(messages[0].path, 'spec.servers[0].tls.credentialName');
      assert.deepEqual(analyzeYaml(tlsGateway('SIMPLE') + secret('cred', 'istio-system', KEY_PAIR)), []);
    });

    it('resolves in the namespace of the workloads the selector matches (a Pod, or a Deployment\'s template)', () => {
      // The Gateway object lives in default, its workload in istio-system: the Secret must be there.
      const inDefault = tlsGateway('SIMPLE', 'default') + secret('cred', 'default', KEY_PAIR);
      for (const workload of [pod('istio-system'), deployment('istio-system')]) {
        // (A Pod with no Service in front of it also gets IST0162; this test is about credentials.)
        const messages = analyzeYaml(inDefault + workload).filter((m) => m.code === 'IST0161');
        assert.equal(messages.length, 1, lines(messages).join('\n'));
        assert.match(messages[0].message, /resolved in namespace istio-system: workload (Pod istio-system\/ingress-1|Deployment istio-system\/ingress)\): Secret istio-system\/cred does not exist/);
        assert.deepEqual(analyzeYaml(inDefault + workload + secret('cred', 'istio-system', KEY_PAIR)).filter((m) => m.code === 'IST0161'), []);
      }
    });

    it('a Secret without the keys its mode needs; MUTUAL without a client CA; a separate -cacert Secret', () => {
      assert.match(analyzeYaml(tlsGateway('SIMPLE') + secret('cred', 'istio-system', 'foo: bar', 'Opaque'))[0].message, /has neither tls\.key\/tls\.crt nor key\/cert/);
      assert.deepEqual(analyzeYaml(tlsGateway('SIMPLE') + secret('cred', 'istio-system', 'key: k, cert: c', 'Opaque')), [], 'generic key/cert');
      const mutual = tlsGateway('MUTUAL') + secret('cred', 'istio-system', KEY_PAIR);
      assert.match(analyzeYaml(mutual)[0].message, /has no ca\.crt or cacert key, and there is no Secret istio-system\/cred-cacert; MUTUAL needs the client CA/);
      assert.deepEqual(analyzeYaml(mutual + secret('cred-cacert', 'istio-system', 'ca.crt: ca', 'Opaque')), []);
      assert.deepEqual(analyzeYaml(tlsGateway('MUTUAL') + secret('cred', 'istio-system', `${KEY_PAIR}, ca.crt: ca`)), []);
    });

    it('a Secret with problems found at apply (malformed PEM, key not matching) is reported with them', () => {
      const bad: SecretObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cred', namespace: 'istio-system', labels: {}, annotations: {} },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': { sha256: '0'.repeat(64), bytes: 1 }, 'tls.key': { sha256: '1'.repeat(64), bytes: 1 } },
        problems: ['tls.key does not match the certificate in tls.crt'],
      };
      const base = evolve(initialState(), 1, { type: 'ResourceApplied', data: { object: bad, digest: digestOf(bad), source: 'test' } });
      const messages = analyzeYaml(tlsGateway('SIMPLE'), base);
      assert.equal(messages.length, 1);
      assert.match(messages[0].message, /Secret istio-system\/cred is not a usable credential: tls\.key does not match the certificate in tls\.crt/);
    });

    it('says nothing of ISTIO_MUTUAL or PASSTHROUGH servers', () => {
      assert.deepEqual(analyzeYaml(tlsGateway('ISTIO_MUTUAL').replace(', credentialName: cred', '')), []);
    });
  });

  it('MG0002: a VirtualService with only http routes bound to a PASSTHROUGH server', () => {
    const yaml = `${HTTPBIN}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: [httpbin.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.example.com]
  gateways: [gw]
  http:
  - route: [{destination: {host: httpbin, port: {number: 8000}}}]
`;
    const messages = analyzeYaml(yaml);
    assert.deepEqual(lines(messages), [
      'Warning [MG0002] (VirtualService default/httpbin) http routes cannot serve port 443 of Gateway default/gw: it passes TLS through undecrypted; use tls routes with sniHosts.',
    ]);
    assert.equal(messages[0].path, 'spec.http');
    const withTls = yaml.replace('  http:\n', '  tls:\n  - match: [{port: 443, sniHosts: [httpbin.example.com]}]\n    route: [{destination: {host: httpbin, port: {number: 8000}}}]\n  http:\n');
    assert.deepEqual(analyzeYaml(withTls), []);
  });

  it('IST0162: a server port no Service in front of the gateway workloads exposes; nothing said when no workload is known', () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: ISTIO_MUTUAL}
    hosts: [a.example.com]
  - port: {number: 8443, name: https-2, protocol: HTTPS}
    tls: {mode: ISTIO_MUTUAL}
    hosts: [b.example.com]
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: [c.example.com]
`;
    assert.deepEqual(analyzeYaml(yaml), [], 'no workload known');
    const workload = `---
apiVersion: v1
kind: Pod
metadata: {name: ingress-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec:
  containers: [{name: istio-proxy}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: https, port: 443, targetPort: 8443}]
`;
    const messages = analyzeYaml(yaml + workload);
    assert.deepEqual(lines(messages), ['Warning [IST0162] (Gateway default/gw) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 31400)']);
    assert.equal(messages[0].path, 'spec.servers[2].port');
  });
});

describe('analysis messages as Istio writes them in status.validationMessages', () => {
  it('gives AnalysisMessageBase: documentationUrl (Istio codes only), level in capitals, type code and name; one entry per message', () => {
    const messages = analyzeYaml(SEED_002_HTTPS);
    const byObject = validationMessagesByObject(messages);
    assert.deepEqual(byObject.get('VirtualService/default/httpbin'), [
      { documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/', level: 'ERROR', type: { code: 'IST0101', name: 'ReferencedResourceNotFound' } },
    ]);
    const own = validationMessageOf({ code: 'MG0002', name: 'HttpRoutesOnPassthroughServer', level: 'Warning', object: { kind: 'VirtualService', namespace: 'a', name: 'b' }, message: 'm' });
    assert.deepEqual(own, { level: 'WARNING', type: { code: 'MG0002', name: 'HttpRoutesOnPassthroughServer' } }, 'no Istio page for meshgate\'s own codes');
    assert.equal(validationMessageOf({ ...messages[0], level: 'Info' }).level, 'INFO');
  });
});

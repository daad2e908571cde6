/** Kubernetes Ingresses of class istio on the ingress gateway, beyond the golden cases. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import type { IngressPath } from '@meshgate/model';
import { compileProxy, TYPE_URL, type CompileResult, type ProxyNode } from '../src/index.js';
import { pathMatch } from '../src/kube-ingress.js';
import { gateway, httpServer, INGRESS_NODE, objectsFrom, OPTIONS, secret, service, stateOf } from './support.js';

const backend = { service: { name: 'web', port: { number: 80 } } };

function path(pathType: IngressPath['pathType'], written?: string): IngressPath {
  return { pathType, backend, ...(written === undefined ? {} : { path: written }) };
}

test('paths read as the Kubernetes spec and Istio read them', () => {
  const cases: [IngressPath, Record<string, string>][] = [
    [path('Exact', '/foo'), { path: '/foo' }],
    [path('Exact', '/foo/'), { path: '/foo/' }],
    [path('Prefix', '/'), { prefix: '/' }],
    [path('Prefix', '/foo'), { path_separated_prefix: '/foo' }],
    [path('Prefix', '/foo/'), { path_separated_prefix: '/foo' }], // a trailing slash is ignored
    [path('Prefix', '/aaa/bbb'), { path_separated_prefix: '/aaa/bbb' }],
    [path('ImplementationSpecific', '/status/*'), { prefix: '/status/' }],
    [path('ImplementationSpecific', '/*'), { prefix: '/' }],
    [path('ImplementationSpecific', '/api.*'), { prefix: '/api' }],
    [path('ImplementationSpecific', '/ip'), { path: '/ip' }],
    [path('ImplementationSpecific'), { prefix: '/' }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(pathMatch(input).match, expected, `${input.pathType} ${input.path ?? '(none)'}`);
});

function ingress(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): unknown {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'shop', annotations }, spec: { ingressClassName: 'istio', ...spec } };
}

const istioClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'istio' }, spec: { controller: 'istio.io/ingress-controller' } };
const web = service('shop', 'web', [{ name: 'http', port: 80 }]);
const rule = (host: string | undefined, paths: unknown[]) => ({ ...(host === undefined ? {} : { host }), http: { paths } });

function compile(documents: unknown[], proxy: ProxyNode = INGRESS_NODE): CompileResult {
  const result = compileProxy(stateOf(objectsFrom(documents)), proxy, OPTIONS);
  for (const [typeUrl, resources] of Object.entries(result.resources)) {
    for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
  }
  return result;
}

type VirtualHost = { name: string; domains: string[]; routes: { match: Record<string, unknown>; route?: { cluster: string }; direct_response?: unknown }[] };

function virtualHosts(result: CompileResult, routeName: string): VirtualHost[] {
  const found = result.resources[TYPE_URL.route].find((r) => r.name === routeName);
  assert.ok(found, `route configuration ${routeName}`);
  return found.resource.virtual_hosts as VirtualHost[];
}

const messages = (result: CompileResult) => result.diagnostics.map((d) => `${d.object}: ${d.message}`).join('\n');

test('an Ingress alone opens port 80; hosts it does not name get 404', () => {
  const result = compile([istioClass, web, ingress('web', { rules: [rule('web.example.com', [{ path: '/', pathType: 'Prefix', backend }])] })]);
  assert.deepEqual(result.resources[TYPE_URL.listener].map((l) => l.name), ['0.0.0.0_80']);
  assert.deepEqual(
    virtualHosts(result, 'http.80').map((vh) => [vh.name, vh.routes.map((r) => r.route?.cluster ?? 'direct_response')]),
    [
      ['web.example.com:80', ['outbound|80||web.shop.svc.cluster.local']],
      ['blackhole:80', ['direct_response']],
    ],
  );
  assert.deepEqual(result.diagnostics, []);
});

test('only the gateway labelled istio=ingressgateway serves Ingresses', () => {
  const documents = [istioClass, web, ingress('web', { rules: [rule('web.example.com', [{ path: '/', pathType: 'Prefix', backend }])] })];
  assert.deepEqual(compile(documents, { ...INGRESS_NODE, labels: { istio: 'egressgateway' } }).resources[TYPE_URL.listener], []);
  // A sidecar gets its outbound side only (`outbound.ts`), nothing of the Ingress.
  const sidecarListeners = compile(documents, { ...INGRESS_NODE, client: 'envoy', role: 'sidecar', namespace: 'shop' }).resources[TYPE_URL.listener].map((l) => l.name);
  assert.ok(sidecarListeners.every((name) => name === 'virtualOutbound' || /^0\.0\.0\.0_\d+$/.test(name)), sidecarListeners.join(','));
});

test('a backend port named but unknown skips the path with an error; a missing Service still gets an empty cluster', () => {
  const result = compile([
    istioClass,
    web,
    ingress('web', {
      rules: [
        rule('web.example.com', [
          { path: '/a', pathType: 'Exact', backend: { service: { name: 'web', port: { name: 'grpc' } } } },
          { path: '/b', pathType: 'Exact', backend: { service: { name: 'gone', port: { number: 8080 } } } },
        ]),
      ],
    }),
  ]);
  assert.deepEqual(virtualHosts(result, 'http.80')[0].routes.map((r) => r.match), [{ path: '/b' }]);
  assert.match(messages(result), /Ingress\/shop\/web: spec\.rules\[0\]\.http\.paths\[0\]: Service shop\/web has no port named grpc, so the port cannot be decided; path skipped/);
  assert.match(messages(result), /paths\[1\]: Service shop\/gone does not exist; its cluster has no endpoints \(503\)/);
});

test('the first defaultBackend takes `*`; a later one is reported', () => {
  const other = service('shop', 'other', [{ name: 'http', port: 80 }]);
  const result = compile([
    istioClass,
    web,
    other,
    ingress('a', { defaultBackend: backend }),
    ingress('b', { defaultBackend: { service: { name: 'other', port: { number: 80 } } } }),
  ]);
  const [star] = virtualHosts(result, 'http.80');
  assert.equal(star.name, '*:80');
  assert.deepEqual(star.routes.map((r) => r.route?.cluster), ['outbound|80||web.shop.svc.cluster.local']);
  assert.match(messages(result), /Ingress\/shop\/b: spec\.defaultBackend: host \* already falls back to the defaultBackend of Ingress\/shop\/a/);
});

test('TLS: one chain per SNI set, the first secret wins a set; a Gateway holding 443 keeps it', () => {
  const tls = (secretName: string) => ({ tls: [{ hosts: ['web.example.com'], secretName }], rules: [rule('web.example.com', [{ path: '/', pathType: 'Prefix', backend }])] });
  const secrets = [secret('istio-system', 'a-cert', ['tls.crt', 'tls.key']), secret('istio-system', 'b-cert', ['tls.crt', 'tls.key'])];
  const result = compile([istioClass, web, ingress('a', tls('a-cert')), ingress('b', tls('b-cert')), ...secrets]);
  const https = result.resources[TYPE_URL.listener].find((l) => l.name === '0.0.0.0_443');
  assert.ok(https);
  const chains = https.resource.filter_chains as Record<string, unknown>[];
  assert.equal(chains.length, 1);
  assert.match(JSON.stringify(chains[0]), /kubernetes:\/\/a-cert/);
  assert.match(messages(result), /Ingress\/shop\/b: spec\.tls\[0\]: hosts web\.example\.com already take their certificate from Ingress\/shop\/a \(kubernetes:\/\/a-cert\); entry skipped/);
  assert.deepEqual(virtualHosts(result, 'https.443').map((vh) => vh.name), ['web.example.com:443', 'blackhole:443']);

  const held = compile([istioClass, web, ingress('a', tls('a-cert')), gateway('shop', 'odd', [httpServer(443, ['*'])]), ...secrets]);
  assert.deepEqual(held.resources[TYPE_URL.route].map((r) => r.name), ['http.443', 'http.80']);
  assert.match(messages(held), /port 443 of this gateway already serves plain HTTP for a Gateway/);
});

test('TLS whose Secret is missing or malformed is not served, and says why; the other entries keep working', () => {
  const entry = (host: string, secretName: string) => ({ hosts: [host], secretName });
  const spec = {
    tls: [entry('a.example.com', 'a-cert'), entry('b.example.com', 'b-cert'), entry('c.example.com', 'c-cert')],
    rules: ['a', 'b', 'c'].map((h) => rule(`${h}.example.com`, [{ path: '/', pathType: 'Prefix', backend }])),
  };
  const result = compile([
    istioClass,
    web,
    ingress('abc', spec),
    secret('istio-system', 'a-cert', ['tls.crt', 'tls.key']),
    secret('istio-system', 'c-cert', ['tls.crt', 'tls.key'], { problems: ['private key does not match the certificate'] }),
    // in the Ingress's namespace, not the gateway's: not found, as in Istio
    secret('shop', 'b-cert', ['tls.crt', 'tls.key']),
  ]);
  const https = result.resources[TYPE_URL.listener].find((l) => l.name === '0.0.0.0_443');
  assert.ok(https);
  const chains = https.resource.filter_chains as { filter_chain_match?: { server_names: string[] } }[];
  assert.deepEqual(chains.map((c) => c.filter_chain_match?.server_names), [['a.example.com']]);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors.join('\n'), /b\.example\.com: Secret istio-system\/b-cert does not exist/);
  assert.match(errors.join('\n'), /c\.example\.com: Secret istio-system\/c-cert is not a usable credential: private key does not match the certificate/);
  assert.deepEqual(virtualHosts(result, 'https.443').map((vh) => vh.name), ['a.example.com:443', 'blackhole:443']);
});

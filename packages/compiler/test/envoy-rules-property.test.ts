/**
 * Whatever the model accepts, Envoy must accept what the compiler makes of it: generated
 * VirtualServices (odd strings in every field the compiler copies into Envoy config: header
 * names and values, rewrites, redirects, query parameters, regexes, durations, retries) that
 * pass validation are compiled for an ingress gateway and a proxyless client, and every
 * resource is held to the Envoy protos — shape and protoc-gen-validate rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import { validateDocument } from '@meshgate/model';
import fc from 'fast-check';
import { compileProxy } from '../src/index.js';
import { gateway, GRPC_NODE, httpServer, INGRESS_NODE, objectsFrom, OPTIONS, service, stateOf } from './support.js';

// Mostly ordinary text, sometimes the characters Envoy refuses in headers (NUL, CR, LF) and other oddities.
const ordinary = fc.string({ unit: fc.constantFrom('a', 'B', '0', '/', '-', '_', '.', '*', '?', '%'), maxLength: 6 });
const hostile = fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '\r', '\t', '\u0000', '\u0001', 'é', '#', '"'), maxLength: 4 });
const text = fc.oneof({ arbitrary: ordinary, weight: 30 }, { arbitrary: hostile, weight: 1 });
const stringMatch = fc.oneof(
  text.map((exact) => ({ exact })),
  text.map((prefix) => ({ prefix })),
  fc.constantFrom('.*', '^/v[0-9]+', 'a|b', '.*', '^/v[0-9]+', 'a|b', '').map((regex) => ({ regex })),
);
const headerName = fc.oneof({ arbitrary: fc.string({ unit: fc.constantFrom('x', '-', 'A', '0', '_', '.'), minLength: 1, maxLength: 5 }), weight: 30 }, { arbitrary: text, weight: 1 });
const matchMap = fc.dictionary(headerName, stringMatch, { maxKeys: 2 });
const duration = fc.oneof({ arbitrary: fc.constantFrom('0s', '1s', '250ms', '1m30s', '0.5s', '1h', '2562047h'), weight: 20 }, { arbitrary: fc.constantFrom('-1s', '100000000h'), weight: 1 });
const match = fc.record(
  { name: text, uri: stringMatch, authority: stringMatch, method: stringMatch, scheme: stringMatch, headers: matchMap, queryParams: matchMap, withoutHeaders: matchMap, ignoreUriCase: fc.boolean() },
  { requiredKeys: [] },
);
const destination = fc.record({ host: fc.constantFrom('web', 'web.default.svc.cluster.local', 'nowhere.example.com'), port: fc.constant({ number: 80 }) });
const action = fc.oneof(
  fc.record({ route: fc.array(fc.record({ destination, weight: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 1 }), rewrite: fc.record({ uri: text, authority: text }, { requiredKeys: ['uri'] }) }, { requiredKeys: ['route'] }),
  fc.record({ route: fc.constant([{ destination: { host: 'web', port: { number: 80 } }, weight: 30 }, { destination: { host: 'api', port: { number: 8080 } }, weight: 70 }]) }),
  fc.record({ redirect: fc.record({ uri: text, authority: text, scheme: fc.constantFrom('http', 'https', 'ftp', ''), redirectCode: fc.constantFrom(301, 302, 307, 308, 399), port: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: [] }) }),
  fc.record({ directResponse: fc.record({ status: fc.integer({ min: 200, max: 599 }), body: fc.oneof(text, text.map((s) => ({ string: s }))) }, { requiredKeys: ['status'] }) }),
);
const extras = fc.record(
  {
    name: text,
    match: fc.array(match, { maxLength: 2 }),
    timeout: duration,
    retries: fc.record({ attempts: fc.integer({ min: 0, max: 2 ** 31 - 1 }), perTryTimeout: duration, retryOn: text }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const httpRoute = fc.tuple(action, extras).map(([a, e]) => ({ ...e, ...a }));

function virtualService(http: unknown[], gateways: string[]): unknown {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'default' }, spec: { hosts: ['web.example.com', 'web'], gateways, http } };
}

const BASE = [service('default', 'web', [{ name: 'http', port: 80 }]), service('default', 'api', [{ name: 'http', port: 8080 }]), gateway('default', 'gw', [httpServer(80, ['*'])])];

test('property: every resource compiled from a VirtualService the model accepts passes the Envoy protos and their validate rules', () => {
  let compiled = 0;
  fc.assert(
    fc.property(fc.array(httpRoute, { minLength: 1, maxLength: 3 }), (http) => {
      const document = virtualService(http, ['gw', 'mesh']);
      if (!validateDocument(document).valid) return;
      compiled += 1;
      const state = stateOf(objectsFrom([...BASE, document]));
      for (const node of [INGRESS_NODE, { ...GRPC_NODE, namespace: 'default' }]) {
        const result = compileProxy(state, node, OPTIONS);
        for (const [typeUrl, resources] of Object.entries(result.resources)) {
          for (const { name, resource } of resources) {
            const problems = checkResource(typeUrl, resource);
            assert.deepEqual(problems, [], `${node.id} ${typeUrl} ${name} from ${JSON.stringify(http)}`);
          }
        }
      }
    }),
    { numRuns: 400, seed: 20261204 },
  );
  assert.ok(compiled > 100, `${compiled} generated VirtualServices were valid`);
});

test('an empty header or query prefix (Istio: any value) is sent as present_match, which Envoy accepts', () => {
  const http = [
    { match: [{ headers: { 'x-user': { prefix: '' } }, withoutHeaders: { 'x-debug': { prefix: '' } }, queryParams: { q: { prefix: '' } } }], route: [{ destination: { host: 'web', port: { number: 80 } } }] },
  ];
  const result = compileProxy(stateOf(objectsFrom([...BASE, virtualService(http, ['gw'])])), INGRESS_NODE, OPTIONS);
  const [routes] = result.resources['type.googleapis.com/envoy.config.route.v3.RouteConfiguration'];
  const virtualHosts = routes.resource.virtual_hosts as { name: string; routes: { match: Record<string, unknown> }[] }[];
  const match = virtualHosts.find((vh) => vh.name === 'web.example.com:80')?.routes[0].match;
  assert.deepEqual(match, {
    prefix: '/',
    headers: [
      { name: 'x-user', present_match: true },
      { name: 'x-debug', present_match: true, invert_match: true },
    ],
    query_parameters: [{ name: 'q', present_match: true }],
  });
  assert.deepEqual(checkResource('type.googleapis.com/envoy.config.route.v3.RouteConfiguration', routes.resource), []);
});

const ingressPath = fc.record({
  path: fc.string({ unit: fc.constantFrom('/', 'a', 'b', '.', '*', '?', '#', '%', '-', ' '), minLength: 0, maxLength: 6 }).map((p) => `/${p}`),
  pathType: fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific'),
});

test('property: every resource compiled from a Kubernetes Ingress the model accepts passes the Envoy protos and their validate rules', () => {
  let compiled = 0;
  fc.assert(
    fc.property(fc.array(ingressPath, { minLength: 1, maxLength: 4 }), fc.constantFrom('httpbin.example.com', '*.example.com', undefined), (paths, host) => {
      const document = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'ing', namespace: 'default', annotations: { 'kubernetes.io/ingress.class': 'istio' } },
        spec: { rules: [{ ...(host ? { host } : {}), http: { paths: paths.map((p) => ({ ...p, backend: { service: { name: 'web', port: { number: 80 } } } })) } }] },
      };
      if (!validateDocument(document).valid) return;
      compiled += 1;
      const result = compileProxy(stateOf(objectsFrom([...BASE, document])), INGRESS_NODE, OPTIONS);
      for (const [typeUrl, resources] of Object.entries(result.resources)) {
        for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name} from ${JSON.stringify(paths)}`);
      }
    }),
    { numRuns: 300, seed: 20261204 },
  );
  assert.ok(compiled > 100, `${compiled} generated Ingresses were valid`);
});

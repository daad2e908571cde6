/**
 * A gateway port's bindings patched from the previous build (gateway-bindings.ts) against a full
 * compile: two Gateways selecting one ingress proxy, several HTTP servers on one port (namespace-
 * restricted hosts, a TLS redirect), VirtualServices in two namespaces created, changed, moved
 * between the Gateways and deleted at random; after every step the incremental compile —
 * resources and diagnostics (what was refused, what serves nothing) — equals a fresh one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestOf, evolve, initialState, type MeshObject } from '@meshgate/model';
import { compileProxy, compileWithIndex, IncrementalIndex, type ChangedRef } from '../src/index.js';
import { gateway, incrementalAtSmallScale, INGRESS_NODE, objectsFrom, OPTIONS, service, virtualService } from './support.js';

const SERVER_HOSTS = ['*', '*.example.com', 'x.example.com', 'a/*', 'b/y.example.com', './z.other.com'];
const VS_HOSTS = ['x.example.com', 'y.example.com', '*.example.com', 'z.other.com', 'w.other.com'];

const server = (port: number, name: string) =>
  fc.record({ hosts: fc.subarray(SERVER_HOSTS, { minLength: 1 }), redirect: fc.boolean() }).map(({ hosts, redirect }) => ({
    port: { number: port, name, protocol: 'HTTP' },
    hosts,
    ...(redirect ? { tls: { httpsRedirect: true } } : {}),
  }));

const gateways = fc.oneof(
  fc.tuple(server(80, 'http-a'), server(80, 'http-b'), server(8080, 'http-c')).map((servers) => gateway('istio-system', 'public', servers)),
  fc.tuple(server(80, 'http'), server(8080, 'alt')).map((servers) => gateway('istio-system', 'second', servers)),
);

const virtualServices = fc
  .record({
    ns: fc.constantFrom('a', 'b'),
    name: fc.constantFrom('v1', 'v2', 'v3', 'v4'),
    hosts: fc.subarray(VS_HOSTS, { minLength: 1 }),
    gateways: fc.subarray(['istio-system/public', 'istio-system/second'], { minLength: 1 }),
    prefix: fc.constantFrom('/', '/api', '/v2'),
  })
  .map(({ ns, name, hosts, gateways: bound, prefix }) => virtualService(ns, name, { hosts, gateways: bound, http: [{ match: [{ uri: { prefix } }], route: [{ destination: { host: 's1.a.svc.cluster.local', port: { number: 80 } } }] }] }));

type Step = { apply: unknown } | { remove: { ns: string; name: string } };
const steps = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: virtualServices.map((apply): Step => ({ apply })) },
    { weight: 1, arbitrary: gateways.map((apply): Step => ({ apply })) },
    { weight: 2, arbitrary: fc.record({ ns: fc.constantFrom('a', 'b'), name: fc.constantFrom('v1', 'v2', 'v3', 'v4') }).map((remove): Step => ({ remove })) },
  ),
  { minLength: 10, maxLength: 50 },
);

test('a gateway port rebound from its previous bindings compiles as a full compile does, after every step', (t) => {
  incrementalAtSmallScale(t);
  fc.assert(
    fc.property(gateways, gateways, steps, (first, second, sequence) => {
      const state = initialState();
      let at = 0;
      const applied = (document: unknown): ChangedRef => {
        const [object] = objectsFrom([document]) as MeshObject[];
        evolve(state, ++at, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } });
        return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
      };
      for (const document of [service('a', 's1', [{ name: 'http', port: 80 }]), first, second]) applied(document);
      const incremental = new IncrementalIndex(state, OPTIONS);
      compileWithIndex(incremental.index, INGRESS_NODE);
      sequence.forEach((step, i) => {
        let changed: ChangedRef;
        if ('apply' in step) changed = applied(step.apply);
        else {
          changed = { kind: 'VirtualService', namespace: step.remove.ns, name: step.remove.name };
          if (!state.byKind.VirtualService.has(`${step.remove.ns}/${step.remove.name}`)) return;
          evolve(state, ++at, { type: 'ResourceDeleted', data: { ref: changed as never, source: 'test' } });
        }
        incremental.apply([changed]);
        assert.deepEqual(compileWithIndex(incremental.index, INGRESS_NODE), compileProxy(state, INGRESS_NODE, OPTIONS), `step ${i}`);
      });
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
  );
});

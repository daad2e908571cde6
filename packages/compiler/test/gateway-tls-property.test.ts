/**
 * Property: whatever mix of TLS servers and credentials lands on one gateway port, the listener
 * Envoy gets is one it accepts — every resource passes the proto walk, no two filter chains share
 * a match (Envoy refuses the whole listener otherwise), every SDS name it carries can be served —
 * and every server is either given a chain or named in a diagnostic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResource } from '@meshgate/envoy-proto';
import fc from 'fast-check';
import { buildIndex, compileProxy, consistencyProblems, sdsAvailability, TYPE_URL } from '../src/index.js';
import { gateway, INGRESS_NODE, objectsFrom, OPTIONS, secret, service, stateOf, virtualService } from './support.js';

const HOSTS = ['a.example.com', 'b.example.com', '*.example.com', '*', 'c.other.org', 'ns1/a.example.com', './b.example.com'];
const CREDENTIALS = ['good', 'broken', 'missing', 'no-ca'];

/** The SNI names a server's hosts become (the compiler's rule, restated). */
function sniOf(hosts: readonly string[]): string[] {
  const names = new Set(hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h)));
  return names.has('*') ? [] : [...names].sort();
}

const serverArb = fc.record({
  mode: fc.constantFrom('SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL', 'PASSTHROUGH'),
  protocol: fc.constantFrom('HTTPS', 'TLS'),
  hosts: fc.uniqueArray(fc.constantFrom(...HOSTS), { minLength: 1, maxLength: 3 }),
  credential: fc.constantFrom(...CREDENTIALS),
});

const secrets = [
  secret('istio-system', 'good', ['ca.crt', 'tls.crt', 'tls.key']),
  secret('istio-system', 'broken', ['tls.crt', 'tls.key'], { problems: ['tls.key does not match tls.crt'] }),
  secret('istio-system', 'no-ca', ['tls.crt', 'tls.key']),
];

test('any mix of TLS servers on one port gives a listener Envoy accepts, and accounts for every server', () => {
  fc.assert(
    fc.property(fc.array(serverArb, { minLength: 1, maxLength: 6 }), (servers) => {
      const documents = [
        service('default', 'web', [{ name: 'http', port: 80 }]),
        virtualService('default', 'web', {
          hosts: ['*.example.com', 'c.other.org'],
          gateways: ['gw'],
          http: [{ route: [{ destination: { host: 'web' } }] }],
          tls: [{ match: [{ sniHosts: ['a.example.com'] }, { sniHosts: ['*.example.com'] }], route: [{ destination: { host: 'web' } }] }],
          tcp: [{ route: [{ destination: { host: 'web' } }] }],
        }),
        gateway(
          'default',
          'gw',
          servers.map((s, i) => ({
            port: { number: 443, name: `s${i}`, protocol: s.protocol },
            hosts: s.hosts,
            tls: { mode: s.mode, ...(s.mode === 'SIMPLE' || s.mode === 'MUTUAL' ? { credentialName: s.credential } : {}) },
          })),
        ),
        ...secrets,
      ];
      const state = stateOf(objectsFrom(documents));
      const result = compileProxy(state, INGRESS_NODE, OPTIONS);
      for (const [typeUrl, resources] of Object.entries(result.resources)) {
        for (const { name, resource } of resources) assert.deepEqual(checkResource(typeUrl, resource), [], `${typeUrl} ${name}`);
      }
      assert.deepEqual(consistencyProblems(result.resources, sdsAvailability(buildIndex(state, OPTIONS), INGRESS_NODE)), []);
      const listener = result.resources[TYPE_URL.listener].find((l) => l.name === '0.0.0.0_443');
      const chains = (listener?.resource.filter_chains ?? []) as { filter_chain_match?: { server_names?: string[] } }[];
      const taken = new Set<string>();
      for (const chain of chains) {
        const names = chain.filter_chain_match?.server_names ?? ['(any)'];
        for (const name of names) {
          assert.ok(!taken.has(name), `SNI ${name} in two filter chains`);
          taken.add(name);
        }
      }
      const said = result.diagnostics.map((d) => d.message).join('\n');
      servers.forEach((s, i) => {
        if (s.mode === 'PASSTHROUGH') return; // passthrough chains come from routes; a taken SNI is reported on the route
        const sni = sniOf(s.hosts);
        const served = chains.some((chain) =>
          s.protocol === 'HTTPS'
            ? JSON.stringify(chain).includes(`https.443.s${i}.gw.default`)
            : JSON.stringify(chain.filter_chain_match?.server_names ?? []) === JSON.stringify(sni) && 'transport_socket' in chain,
        );
        assert.ok(served || said.includes(`server s${i} `), `server s${i} neither served nor reported:\n${said}`);
      });
    }),
    { numRuns: 150 },
  );
});

/** VirtualService `tls` and `tcp` entries, and the Gateway TLS fields: stored, normalised, refused by path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDocument, type GatewayObject, type VirtualServiceObject } from '../src/index.js';
import { SEED_002_MANIFESTS } from './fixtures/seed-002.js';
import { parseAll } from './helpers.js';

function vs(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'nginx', namespace: 'default' }, spec };
}

function errorsOf(document: unknown): { path: string; message: string }[] {
  const result = validateDocument(document);
  assert.equal(result.valid, false, 'expected invalid');
  return result.valid ? [] : result.errors.map(({ path, message }) => ({ path, message }));
}

describe('VirtualService tls and tcp routes', () => {
  it('stores seed 002 passthrough route, qualified and defaulted', () => {
    const result = validateDocument(
      vs({
        hosts: ['nginx.example.com'],
        gateways: ['mygateway'],
        tls: [{ match: [{ port: 443, sniHosts: ['NGINX.example.com'] }], route: [{ destination: { host: 'my-nginx', port: { number: 443 } } }] }],
      }),
    );
    assert.ok(result.valid, JSON.stringify(result));
    const spec = (result.value as VirtualServiceObject).spec;
    assert.deepEqual(spec.tls, [
      {
        match: [{ destinationSubnets: [], gateways: [], port: 443, sniHosts: ['nginx.example.com'], sourceLabels: {} }],
        route: [{ destination: { host: 'my-nginx.default.svc.cluster.local', port: { number: 443 } }, weight: 100 }],
      },
    ]);
    assert.equal(spec.tcp, undefined);
    assert.deepEqual(spec.http, []);
  });

  it('reads the protobuf spellings Istio accepts too (seed 003 writes sni_hosts) into the same fields', () => {
    const result = validateDocument(
      vs({
        hosts: ['mongo.example.com'],
        gateways: ['mesh'],
        tls: [{ match: [{ port: 27017, sni_hosts: ['mongo.example.com'], destination_subnets: ['203.0.113.7'], source_labels: { app: 'ratings' } }], route: [{ destination: { host: 'mongo.example.com', port: { number: 443 } } }] }],
      }),
    );
    assert.ok(result.valid, JSON.stringify(result));
    assert.deepEqual((result.value as VirtualServiceObject).spec.tls?.[0].match, [
      { destinationSubnets: ['203.0.113.7/32'], gateways: [], port: 27017, sniHosts: ['mongo.example.com'], sourceLabels: { app: 'ratings' } },
    ]);
  });

  it('stores tcp routes with canonical subnets and weights', () => {
    const result = validateDocument(
      vs({
        hosts: ['*'],
        gateways: ['gw'],
        tcp: [
          {
            match: [{ port: 31400, destinationSubnets: ['10.1.2.3', '10.1.2.3/8'], gateways: ['other/gw'] }],
            route: [
              { destination: { host: 'a', port: { number: 9000 } }, weight: 80 },
              { destination: { host: 'b', port: { number: 9000 } }, weight: 20 },
            ],
          },
        ],
      }),
    );
    assert.ok(result.valid, JSON.stringify(result));
    const tcp = (result.value as VirtualServiceObject).spec.tcp ?? [];
    assert.deepEqual(tcp[0].match[0].destinationSubnets, ['10.0.0.0/8', '10.1.2.3/32']);
    assert.deepEqual(tcp[0].match[0].gateways, ['other/gw']);
    assert.deepEqual(tcp[0].route.map((r) => r.weight), [80, 20]);
  });

  it('a VirtualService of http alone stores as before (no tls/tcp members)', () => {
    const result = validateDocument(vs({ hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] }));
    assert.ok(result.valid);
    assert.deepEqual(Object.keys((result.value as VirtualServiceObject).spec).sort(), ['exportTo', 'gateways', 'hosts', 'http']);
  });

  it('refuses bad tls/tcp entries with their field paths', () => {
    const errors = errorsOf(
      vs({
        hosts: ['nginx.example.com'],
        tls: [
          { match: [{ sniHosts: ['other.example.org'] }], route: [{ destination: { host: 'x' } }] },
          { route: [{ destination: { host: 'x' } }] },
          { match: [{ port: 443 }], route: [] },
        ],
        tcp: [
          { match: [{ destinationSubnets: ['10.0.0.0/33'], sourceNamespace: 'a' }], route: [{ destination: { host: 'x' }, weight: 30 }, { destination: { host: 'y' }, weight: 30 }] },
        ],
      }),
    );
    const paths = errors.map((e) => e.path);
    for (const path of [
      'spec.tls[0].match[0].sniHosts[0]',
      'spec.tls[1].match',
      'spec.tls[2].match[0].sniHosts',
      'spec.tls[2].route',
      'spec.tcp[0].match[0].destinationSubnets[0]',
      'spec.tcp[0].match[0].sourceNamespace',
      'spec.tcp[0].route',
    ]) {
      assert.ok(paths.includes(path), `${path} in ${JSON.stringify(errors)}`);
    }
  });

  it('a wildcard VirtualService host admits SNI hosts under it', () => {
    const result = validateDocument(
      vs({ hosts: ['*.example.com'], tls: [{ match: [{ sniHosts: ['a.example.com', '*.b.example.com'] }], route: [{ destination: { host: 'x', port: { number: 1 } } }] }] }),
    );
    assert.ok(result.valid, JSON.stringify(result));
  });
});

describe('Gateway server TLS fields', () => {
  function gateway(tls: Record<string, unknown>): unknown {
    return {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls }] },
    };
  }

  it('keeps cipherSuites (deduplicated, in order) and protocol versions', () => {
    const result = validateDocument(
      gateway({ mode: 'SIMPLE', credentialName: 'c', minProtocolVersion: 'TLSV1_2', maxProtocolVersion: 'TLSV1_3', cipherSuites: ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'] }),
    );
    assert.ok(result.valid, JSON.stringify(result));
    assert.deepEqual((result.value as GatewayObject).spec.servers[0].tls?.cipherSuites, ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256']);
  });

  it('refuses a minimum above the maximum, and bad cipher names, by path', () => {
    const errors = errorsOf(gateway({ mode: 'SIMPLE', credentialName: 'c', minProtocolVersion: 'TLSV1_3', maxProtocolVersion: 'TLSV1_2', cipherSuites: ['not a cipher'] }));
    assert.deepEqual(errors.map((e) => e.path).sort(), ['spec.servers[0].tls.cipherSuites[0]', 'spec.servers[0].tls.maxProtocolVersion']);
  });
});

describe('seeds 001 and 002: the TLS steps are stored whole', () => {
  it('seed 002 passthrough VirtualService keeps its tls route (no longer dropped at apply)', () => {
    const manifest = SEED_002_MANIFESTS.find((m) => m.name.startsWith('TLS passthrough: VirtualService'));
    assert.ok(manifest);
    const [document] = parseAll(manifest.yaml);
    const result = validateDocument(document);
    assert.ok(result.valid, JSON.stringify(result));
    const spec = (result.value as VirtualServiceObject).spec;
    assert.deepEqual(spec.tls?.[0].match[0].sniHosts, ['nginx.example.com']);
    assert.equal(spec.tls?.[0].match[0].port, 443);
  });

  it('seed 001 Gateway (MUTUAL, two hosts) and VirtualService validate', () => {
    const domain = 'mycluster-0001.us-south.containers.appdomain.cloud';
    const gw = validateDocument({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'Gateway',
      metadata: { name: 'default-ingress-gateway', namespace: 'httptools' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'MUTUAL', credentialName: 'mycluster-0001' }, hosts: [domain, `httpbin.${domain}`] }],
      },
    });
    assert.ok(gw.valid, JSON.stringify(gw));
    assert.deepEqual((gw.value as GatewayObject).spec.servers[0].tls, { mode: 'MUTUAL', credentialName: 'mycluster-0001' });
  });
});

describe('Gateway port names', () => {
  it('are unique among a Gateway\'s servers (an HTTPS server\'s routes are named after its port name)', () => {
    const result = validateDocument({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'SIMPLE', credentialName: 'a' } },
          { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['b.example.com'], tls: { mode: 'SIMPLE', credentialName: 'b' } },
        ],
      },
    });
    assert.equal(result.valid, false);
    assert.deepEqual(result.valid ? [] : result.errors.map((e) => e.path), ['spec.servers[1].port.name']);
  });
});

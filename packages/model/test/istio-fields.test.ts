/**
 * Nothing of a Gateway or VirtualService is dropped in silence: a field meshgate does not apply
 * is accepted with a warning (and kept, so that changing it changes the stored object), a key
 * that is no Istio field is refused with its path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestOf, validateDocument, type FieldError } from '../src/index.js';

const vs = (http: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin', namespace: 'default' },
  spec: { hosts: ['httpbin.example.com'], gateways: ['gw'], http, ...extra },
});
const destination = { destination: { host: 'httpbin', port: { number: 8000 } } };

function accepted(document: unknown): { value: Record<string, unknown>; warnings: FieldError[] } {
  const result = validateDocument(document);
  assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
  return { value: result.value as unknown as Record<string, unknown>, warnings: result.warnings ?? [] };
}

test('a VirtualService with only what meshgate applies has no warnings', () => {
  assert.deepEqual(accepted(vs([{ match: [{ uri: { prefix: '/status' } }], route: [destination], timeout: '5s', retries: { attempts: 2 } }])).warnings, []);
});

test('mirror, corsPolicy, delegate and per-destination headers are accepted with a warning each, and kept as given', () => {
  const mirror = { host: 'shadow', port: { number: 80 } };
  const { value, warnings } = accepted(
    vs([{ route: [{ ...destination, headers: { request: { set: { 'x-a': '1' } } } }], mirror, mirrorPercentage: { value: 5 }, corsPolicy: { allowOrigins: [{ exact: 'https://a' }] } }]),
  );
  assert.deepEqual(
    warnings.map((w) => w.path),
    ['spec.http[0].route[0].headers', 'spec.http[0].mirror', 'spec.http[0].mirrorPercentage', 'spec.http[0].corsPolicy'],
  );
  assert.match(warnings[1].message, /traffic mirroring is not implemented by meshgate; nothing is mirrored \(kept as given, not applied\)/);
  const http = (value.spec as { http: Record<string, unknown>[] }).http[0];
  assert.deepEqual(http.mirror, mirror, 'kept at its place in the stored object');
  assert.deepEqual(http.corsPolicy, { allowOrigins: [{ exact: 'https://a' }] });
});

test('a change to an ignored field changes the stored object (never "unchanged")', () => {
  const a = accepted(vs([{ route: [destination], mirror: { host: 'shadow-a' } }])).value;
  const b = accepted(vs([{ route: [destination], mirror: { host: 'shadow-b' } }])).value;
  assert.notEqual(digestOf(a as never), digestOf(b as never));
  const again = accepted(a).value;
  assert.equal(digestOf(again as never), digestOf(a as never), 'a stored object validates to itself');
});

test('fault and header manipulation are stored but not compiled: a warning says so', () => {
  const { warnings } = accepted(vs([{ route: [destination], fault: { abort: { httpStatus: 503, percentage: { value: 10 } } }, headers: { request: { set: { 'x-a': 'b' } } } }]));
  assert.deepEqual(warnings.map((w) => [w.path, w.message]), [
    ['spec.http[0].fault', 'fault injection is not compiled yet: requests are not delayed or aborted'],
    ['spec.http[0].headers', 'header manipulation is not compiled yet: no header is set, added or removed'],
  ]);
});

test('exportTo other than "*" is warned about; "*" is what meshgate does anyway', () => {
  assert.deepEqual(accepted(vs([{ route: [destination] }], { exportTo: ['*'] })).warnings, []);
  assert.deepEqual(accepted(vs([{ route: [destination] }], { exportTo: ['.'] })).warnings.map((w) => w.path), ['spec.exportTo']);
});

test('an unknown key is refused with its path and the field it most likely meant', () => {
  const result = validateDocument(vs([{ route: [destination], rewite: { uri: '/' }, match: [{ uri: { prefix: '/' }, ignoreUriCas: true }] }]));
  assert.ok(!result.valid);
  assert.deepEqual(result.errors, [
    { path: 'spec.http[0].rewite', message: 'unknown field (did you mean rewrite?)' },
    { path: 'spec.http[0].match[0].ignoreUriCas', message: 'unknown field (did you mean ignoreUriCase?)' },
  ]);
  const header = validateDocument(vs([{ route: [destination], match: [{ headers: { 'x-a': { exakt: 'b' } } }] }]));
  assert.ok(!header.valid);
  assert.ok(header.errors.some((e) => e.path === 'spec.http[0].match[0].headers["x-a"].exakt' && e.message === 'unknown field (did you mean exact?)'), JSON.stringify(header.errors));
});

test('Gateway: defaultEndpoint and bind are warned about; tls is left to its own reader', () => {
  const gateway = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'default' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], bind: '10.0.0.1', defaultEndpoint: '127.0.0.1:8080' }],
    },
  };
  const { value, warnings } = accepted(gateway);
  assert.deepEqual(warnings.map((w) => w.path), ['spec.servers[0].bind', 'spec.servers[0].defaultEndpoint']);
  assert.equal((value.spec as { servers: Record<string, unknown>[] }).servers[0].defaultEndpoint, '127.0.0.1:8080');
  const quiet = { ...gateway, spec: { ...gateway.spec, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], bind: '0.0.0.0' }] } };
  assert.deepEqual(accepted(quiet).warnings, [], 'bind 0.0.0.0 is what meshgate does anyway');
  const typo = validateDocument({ ...gateway, spec: { ...gateway.spec, selectr: {} } });
  assert.ok(!typo.valid && typo.errors.some((e) => e.path === 'spec.selectr' && /did you mean selector/.test(e.message)));
});

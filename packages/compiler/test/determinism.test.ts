/**
 * Same input, same output: compiling twice, from objects applied in another order, through a
 * shared index, or for another proxy with the same compile key gives deep-equal results. (Cases
 * where the order of creation decides something — IngressBackend conflicts — say so in an
 * `order-sensitive.txt`, and are held to everything but the reordering.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIndex, compileIndexKey, compileProxy, compileWithIndex, type ProxyNode } from '../src/index.js';
import { goldenCases, loadCase, OPTIONS, stateOf } from './support.js';

/** A fixed shuffle (reverse, then interleave halves) so the test itself is deterministic. */
function reorder<T>(items: readonly T[]): T[] {
  const reversed = [...items].reverse();
  const half = Math.ceil(reversed.length / 2);
  const out: T[] = [];
  for (let i = 0; i < half; i++) {
    out.push(reversed[i]);
    if (i + half < reversed.length) out.push(reversed[i + half]);
  }
  return out;
}

for (const name of goldenCases()) {
  test(`determinism: ${name}`, () => {
    const golden = loadCase(name);
    const first = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
    const again = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
    assert.deepStrictEqual(again, first);
    assert.equal(JSON.stringify(again), JSON.stringify(first), 'same bytes, not only equal content');
    if (golden.orderSensitive) return; // creation order decides something here, by design
    const reordered = compileProxy(stateOf(reorder(golden.objects)), golden.node, OPTIONS);
    assert.deepStrictEqual(reordered, first);
    assert.equal(JSON.stringify(reordered), JSON.stringify(first), 'same bytes, not only equal content');
  });
}

test('a shared index gives what compileProxy gives, for every golden proxy', () => {
  for (const name of goldenCases()) {
    const golden = loadCase(name);
    const state = stateOf(golden.objects);
    const index = buildIndex(state, OPTIONS);
    assert.deepStrictEqual(compileWithIndex(index, golden.node), compileProxy(state, golden.node, OPTIONS), name);
    // compiling for one proxy must not disturb the index for the next
    assert.deepStrictEqual(compileWithIndex(index, golden.node), compileProxy(state, golden.node, OPTIONS), `${name} (second use)`);
  }
});

test('proxies with the same compile key get the same result', () => {
  const golden = loadCase('seed-002-httpbin');
  const index = buildIndex(stateOf(golden.objects), OPTIONS);
  const twin: ProxyNode = { ...golden.node, id: 'another-replica', serviceAccount: 'other', labels: { ...golden.node.labels } };
  assert.equal(compileIndexKey(twin), compileIndexKey(golden.node));
  assert.deepStrictEqual(compileWithIndex(index, twin), compileWithIndex(index, golden.node));
});

test('the compile key tells apart what the compiler reads', () => {
  const base: ProxyNode = { id: 'a', role: 'ingress-gateway', namespace: 'ns', serviceAccount: 'sa', labels: { istio: 'ingressgateway' }, client: 'envoy', ips: [] };
  const key = compileIndexKey(base);
  assert.notEqual(compileIndexKey({ ...base, labels: { istio: 'other' } }), key);
  assert.notEqual(compileIndexKey({ ...base, client: 'grpc' }), key);
  assert.notEqual(compileIndexKey({ ...base, role: 'sidecar' }), key);
  assert.equal(compileIndexKey({ ...base, role: 'egress-gateway' }), key, 'ingress and egress gateways compile alike');
  assert.notEqual(compileIndexKey({ ...base, namespace: 'other' }), key, "a gateway's credentials resolve in its namespace");
  assert.equal(compileIndexKey({ ...base, labels: { b: '2', a: '1' } }), compileIndexKey({ ...base, labels: { a: '1', b: '2' } }));
});

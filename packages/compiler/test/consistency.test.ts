/** Every golden case compiles to a consistent set; dropping a referenced piece is reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIndex, compileProxy, consistencyProblems, sdsAvailability, TYPE_URL, type CompileResult, type ResourcesByType } from '../src/index.js';
import { gateway, INGRESS_NODE, objectsFrom, OPTIONS, goldenCases, loadCase, secret, stateOf } from './support.js';

function compileCase(name: string): CompileResult {
  const golden = loadCase(name);
  return compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
}

test('every golden case is consistent: RDS, EDS and SDS names all resolve', () => {
  for (const name of goldenCases()) {
    const golden = loadCase(name);
    const state = stateOf(golden.objects);
    const sds = sdsAvailability(buildIndex(state, OPTIONS), golden.node);
    assert.deepEqual(consistencyProblems(compileProxy(state, golden.node, OPTIONS).resources, sds), [], name);
  }
});

test('SDS names count: a listener naming a credential that cannot be served is inconsistent', () => {
  const https = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'MUTUAL', credentialName: 'a-cert' } };
  const withCa = stateOf(objectsFrom([gateway('default', 'gw', [https]), secret('istio-system', 'a-cert', ['ca.crt', 'tls.crt', 'tls.key'])]));
  const result = compileProxy(withCa, INGRESS_NODE, OPTIONS);
  assert.equal(result.resources[TYPE_URL.listener].length, 1);
  assert.deepEqual(consistencyProblems(result.resources, sdsAvailability(buildIndex(withCa, OPTIONS), INGRESS_NODE)), []);
  // The same listeners against a state where the Secret is gone: both names are reported.
  const without = stateOf(objectsFrom([gateway('default', 'gw', [https])]));
  assert.deepEqual(consistencyProblems(result.resources, sdsAvailability(buildIndex(without, OPTIONS), INGRESS_NODE)), [
    'listener 0.0.0.0_443 names SDS secret kubernetes://a-cert, which cannot be served',
    'listener 0.0.0.0_443 names SDS secret kubernetes://a-cert-cacert, which cannot be served',
  ]);
  // …and for a proxy in another namespace, where the credential does not resolve.
  const elsewhere = { ...INGRESS_NODE, namespace: 'other' };
  assert.equal(consistencyProblems(result.resources, sdsAvailability(buildIndex(withCa, OPTIONS), elsewhere)).length, 2);
  // Without an availability function, no gateway credential counts as served.
  assert.equal(consistencyProblems(result.resources).length, 2);
});

test('a missing route configuration or endpoint assignment is named', () => {
  const result = compileCase('seed-002-httpbin');
  assert.ok(result.resources[TYPE_URL.route].length > 0 && result.resources[TYPE_URL.cluster].length > 0);
  const broken: ResourcesByType = { ...result.resources, [TYPE_URL.route]: [], [TYPE_URL.endpoint]: [] };
  const problems = consistencyProblems(broken);
  assert.ok(problems.some((p) => /names route configuration .* which is missing/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /needs endpoints .* which are missing/.test(p)), problems.join('\n'));
});

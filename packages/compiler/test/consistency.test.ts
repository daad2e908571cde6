/** Every golden case compiles to a consistent set; dropping a referenced piece is reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProxy, consistencyProblems, TYPE_URL, type CompileResult, type ResourcesByType } from '../src/index.js';
import { goldenCases, loadCase, OPTIONS, stateOf } from './support.js';

function compileCase(name: string): CompileResult {
  const golden = loadCase(name);
  return compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
}

test('every golden case is consistent: RDS and EDS names all resolve', () => {
  for (const name of goldenCases()) assert.deepEqual(consistencyProblems(compileCase(name).resources), [], name);
});

test('a missing route configuration or endpoint assignment is named', () => {
  const result = compileCase('seed-002-httpbin');
  assert.ok(result.resources[TYPE_URL.route].length > 0 && result.resources[TYPE_URL.cluster].length > 0);
  const broken: ResourcesByType = { ...result.resources, [TYPE_URL.route]: [], [TYPE_URL.endpoint]: [] };
  const problems = consistencyProblems(broken);
  assert.ok(problems.some((p) => /names route configuration .* which is missing/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /needs endpoints .* which are missing/.test(p)), problems.join('\n'));
});

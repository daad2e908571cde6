/**
 * Golden files: each `test/golden/<case>/` holds `input.yaml` (the objects), `node.json` (the
 * proxy) and `expected.json` (the CompileResult). The expected files are the specification —
 * read a diff of them as carefully as code.
 *
 * To regenerate after an intended change: `UPDATE_GOLDEN=1 node --test
 * packages/compiler/dist/test/golden.test.js`, then review `git diff packages/compiler/test/golden`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compileProxy } from '../src/index.js';
import { goldenCases, loadCase, OPTIONS, stateOf } from './support.js';

const update = process.env.UPDATE_GOLDEN === '1';

test('there are golden cases', () => {
  assert.ok(goldenCases().length >= 10, `found ${goldenCases().join(', ')}`);
});

for (const name of goldenCases()) {
  test(`golden: ${name}`, () => {
    const golden = loadCase(name);
    const result = compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
    const file = path.join(golden.dir, 'expected.json');
    // JSON round trip: the file holds what JSON can say (no undefined members).
    const actual: unknown = JSON.parse(JSON.stringify(result));
    if (update) {
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    assert.ok(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 to create it`);
    const expected: unknown = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepStrictEqual(actual, expected);
  });
}

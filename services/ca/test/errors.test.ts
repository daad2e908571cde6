import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CA_ERRORS, HTTP_ONLY_ERRORS } from '../src/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README documents every error code with its HTTP status', () => {
  for (const [code, spec] of Object.entries({ ...CA_ERRORS, ...HTTP_ONLY_ERRORS })) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is not in the README's error table`);
    assert.match(row, new RegExp(`\\| ${spec.http} \\|`), `${code}: status ${spec.http}`);
  }
});

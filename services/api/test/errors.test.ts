import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ApiError, apiError, ERROR_CODES, ERRORS, toProblem } from '../src/errors.js';

// The test runs from services/api/dist/test.
const README_URL = new URL('../../README.md', import.meta.url);

/** `| `MG_ERR_X` | 400 | ... |` rows of the README's error table, as code → status. */
function documentedCodes(readme: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of readme.matchAll(/^\|\s*`(MG_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) rows.set(match[1], Number(match[2]));
  return rows;
}

describe('the MG_ERR_* registry', () => {
  it('documents every code, with its status, in the README, and nothing that is not a code', async () => {
    const documented = documentedCodes(await readFile(README_URL, 'utf8'));
    for (const code of ERROR_CODES) {
      assert.equal(documented.get(code), ERRORS[code].status, `${code} should be in the README's error table with status ${ERRORS[code].status}`);
    }
    assert.deepEqual([...documented.keys()].sort(), [...ERROR_CODES].sort());
  });

  it('gives every code an error status and a description', () => {
    for (const code of ERROR_CODES) {
      assert.ok(ERRORS[code].status >= 400 && ERRORS[code].status < 600, code);
      assert.ok(ERRORS[code].description.length > 10, code);
    }
  });

  it('renders an ApiError with its code, status and details', () => {
    const error = apiError('MG_ERR_MALFORMED', 'malformed input at line 3, column 1: bad', { line: 3, column: 1 });
    assert.ok(error instanceof ApiError);
    assert.equal(error.statusCode, 400);
    assert.deepEqual(toProblem(error), { status: 400, body: { code: 'MG_ERR_MALFORMED', message: 'malformed input at line 3, column 1: bad', line: 3, column: 1 } });
  });

  it('does not let details overwrite the code or the message', () => {
    const { body } = toProblem(apiError('MG_ERR_CONFLICT', 'retry', { code: 'OTHER', message: 'other' }));
    assert.equal(body.code, 'MG_ERR_CONFLICT');
    assert.equal(body.message, 'retry');
  });

  it('maps fastify errors to registry codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    assert.equal(toProblem(tooLarge).body.code, 'MG_ERR_BODY_TOO_LARGE');
    const mediaType = Object.assign(new Error('Unsupported Media Type: application/xml'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    assert.equal(toProblem(mediaType).status, 415);
  });

  it('answers anything unexpected with MG_ERR_INTERNAL and without its message', () => {
    const problem = toProblem(new Error('password=hunter2 leaked in a driver message'));
    assert.deepEqual(problem, { status: 500, body: { code: 'MG_ERR_INTERNAL', message: 'internal error' } });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocuments, validateDocument } from '../src/index.js';
import { BAD_DOCUMENTS } from './bad-documents.js';

describe('bad documents', () => {
  it('has at least 25 rows with unique names', () => {
    assert.ok(BAD_DOCUMENTS.length >= 25, `only ${BAD_DOCUMENTS.length} rows`);
    assert.equal(new Set(BAD_DOCUMENTS.map(({ name }) => name)).size, BAD_DOCUMENTS.length);
  });

  for (const row of BAD_DOCUMENTS) {
    it(row.name, () => {
      const parsed = parseDocuments(row.yaml);
      if (row.line !== undefined) {
        assert.ok(!parsed.ok, 'expected the text to be refused by the parser');
        assert.equal(parsed.error.line, row.line, `line (error: ${parsed.error.message})`);
        assert.ok(parsed.error.column >= 1);
        if (row.message) assert.ok(parsed.error.message.includes(row.message), `message ${JSON.stringify(parsed.error.message)}`);
        assert.equal(parsed.error.limit?.name, row.limit, 'the limit named');
        return;
      }
      assert.ok(parsed.ok, `expected the text to parse: ${JSON.stringify(parsed)}`);
      assert.equal(parsed.documents.length, 1);
      const result = validateDocument(parsed.documents[0]);
      assert.ok(!result.valid, 'expected the document to be invalid');
      const atPath = result.errors.filter(({ path }) => path === row.path);
      assert.ok(atPath.length > 0, `no error at ${JSON.stringify(row.path)}; errors: ${JSON.stringify(result.errors)}`);
      if (row.message) {
        const message = row.message;
        assert.ok(
          atPath.some((error) => error.message.includes(message)),
          `no error at ${row.path} mentions ${JSON.stringify(message)}: ${JSON.stringify(atPath)}`,
        );
      }
    });
  }
});

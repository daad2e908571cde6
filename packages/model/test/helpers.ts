/** Test helpers: text → one validated object, failing the test with the problems when it is not. */
import assert from 'node:assert/strict';
import { parseDocuments, validateDocument, type MeshObject, type ValidateOptions } from '../src/index.js';

export function parseAll(text: string): unknown[] {
  const parsed = parseDocuments(text);
  assert.ok(parsed.ok, `parse failed: ${JSON.stringify(parsed)}`);
  return parsed.documents;
}

export function parseOne(text: string): unknown {
  const documents = parseAll(text);
  assert.equal(documents.length, 1, 'expected exactly one document');
  return documents[0];
}

export function validOne(text: string, options?: ValidateOptions): MeshObject {
  const result = validateDocument(parseOne(text), options);
  assert.ok(result.valid, `expected valid, got ${JSON.stringify(result)}`);
  return result.value;
}

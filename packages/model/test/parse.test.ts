import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ALIAS_COUNT, parseDocuments } from '../src/index.js';

function documentsOf(text: string): unknown[] {
  const result = parseDocuments(text);
  assert.ok(result.ok, JSON.stringify(result));
  return result.documents;
}

describe('parseDocuments', () => {
  it('splits multi-document YAML and skips empty documents', () => {
    const text = '---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\nkind: Namespace\nmetadata: {name: b}\n...\n';
    assert.deepEqual(documentsOf(text), [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      { kind: 'Namespace', metadata: { name: 'b' } },
    ]);
  });

  it('returns no documents for empty text', () => {
    assert.deepEqual(documentsOf(''), []);
    assert.deepEqual(documentsOf('\n# nothing here\n'), []);
  });

  it('reads a JSON object, a JSON array and a List', () => {
    assert.deepEqual(documentsOf('{"kind": "Namespace", "metadata": {"name": "a"}}'), [{ kind: 'Namespace', metadata: { name: 'a' } }]);
    assert.deepEqual(documentsOf(' [{"kind": "Namespace"}, {"kind": "Service"}]'), [{ kind: 'Namespace' }, { kind: 'Service' }]);
    assert.deepEqual(documentsOf('{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, {"kind": "Service"}]}'), [{ kind: 'Pod' }, { kind: 'Service' }]);
  });

  it('expands YAML Lists and top-level sequences (kubectl get -o yaml)', () => {
    const list = 'apiVersion: v1\nkind: ServiceList\nitems:\n- kind: Service\n  metadata: {name: a}\n- kind: Service\n  metadata: {name: b}\n';
    assert.deepEqual(documentsOf(list), [
      { kind: 'Service', metadata: { name: 'a' } },
      { kind: 'Service', metadata: { name: 'b' } },
    ]);
    assert.deepEqual(documentsOf('- kind: Pod\n- kind: Namespace\n'), [{ kind: 'Pod' }, { kind: 'Namespace' }]);
  });

  it('keeps YAML 1.2 scalars as written (no yes/no booleans, no dates)', () => {
    assert.deepEqual(documentsOf('a: yes\nb: 2024-01-01\nc: "80"\nd: 80\ne: ~\n'), [{ a: 'yes', b: '2024-01-01', c: '80', d: 80, e: null }]);
  });

  it('reports the 1-based line and column of a YAML problem', () => {
    const result = parseDocuments('apiVersion: v1\nkind: Service\nspec:\n  ports: [80, 443\n');
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.error.line, 5);
    assert.equal(result.error.column, 1);
    assert.doesNotMatch(result.error.message, /\n/, 'one line, the position is in the fields');
  });

  it('locates malformed JSON through the YAML parser', () => {
    const result = parseDocuments('{"kind": "Namespace",\n "metadata": {"name": \n');
    assert.ok(!result.ok);
    assert.deepEqual([result.error.line, result.error.column], [2, 23]);
  });

  it('allows a few aliases but refuses an alias bomb', () => {
    assert.deepEqual(documentsOf('base: &labels {app: web}\nselector: *labels\n'), [{ base: { app: 'web' }, selector: { app: 'web' } }]);
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const result = parseDocuments(`kind: Namespace\n---\n${levels.join('\n')}\n`);
    assert.ok(!result.ok, 'an alias bomb must not be expanded');
    assert.equal(result.error.line, 3, 'the line where the offending document starts');
    assert.match(result.error.message, /resource exhaustion/);
    assert.ok(MAX_ALIAS_COUNT > 0);
  });
});

describe('parseDocuments limits', () => {
  const limitOf = (text: string, limits = {}) => {
    const result = parseDocuments(text, limits);
    assert.ok(!result.ok, 'expected a refusal');
    return result.error;
  };

  it('names the limit a text goes past, with its value and where', () => {
    assert.deepEqual(limitOf('a: 1\nb: 2\nc: 3\n', { maxKeysPerMapping: 2 }).limit, { name: 'maxKeysPerMapping', max: 2 });
    assert.deepEqual(limitOf('a: &a x\nb: [*a, *a, *a]\n', { maxAliases: 2 }).limit, { name: 'maxAliases', max: 2 });
    const deep = limitOf('a:\n  b:\n    c: [d]\n', { maxDepth: 3 });
    assert.deepEqual(deep.limit, { name: 'maxDepth', max: 3 });
    assert.equal(deep.line, 3);
    assert.deepEqual(limitOf('a: &a "xxxxxxxxxx"\nb: [*a, *a, *a, *a]\n', { maxExpandedBytes: 50 }).limit, { name: 'maxExpandedBytes', max: 50 });
    assert.deepEqual(limitOf('{"a": [[[1]]]}', { maxDepth: 3 }).limit, { name: 'maxDepth', max: 3 });
  });

  it('counts the expanded size over all documents of the text', () => {
    const doc = `a: "${'x'.repeat(40)}"\n`;
    assert.ok(parseDocuments(doc, { maxExpandedBytes: 60 }).ok);
    assert.deepEqual(limitOf(`${doc}---\n${doc}`, { maxExpandedBytes: 60 }).limit?.name, 'maxExpandedBytes');
  });

  it('refuses duplicate keys, including 1 and "1", and non-scalar keys, as malformed (no limit)', () => {
    for (const [text, line] of [
      ['a: 1\nb: 2\na: 3\n', 3],
      ['1: x\n"1": y\n', 2],
      ['? [a]\n: b\n', 1],
    ] as const) {
      const error = limitOf(text);
      assert.equal(error.line, line, text);
      assert.equal(error.limit, undefined);
    }
  });

  it('checks 9,999 keys for duplicates in linear time (a stall bound, not a figure)', () => {
    const text = Array.from({ length: 9_999 }, (_, i) => `k${i}: v`).join('\n');
    const started = performance.now();
    assert.ok(parseDocuments(text).ok);
    assert.ok(performance.now() - started < 2000);
  });
});

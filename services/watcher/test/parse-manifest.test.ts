/** Reading one manifest file: identities, digests, and problems that name the line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProblem, identify, readManifest } from '../src/index.js';

describe('identify', () => {
  const cases: { name: string; document: unknown; expected: string }[] = [
    { name: 'namespaced kind with a namespace', document: { kind: 'Service', metadata: { name: 'a', namespace: 'shop' } }, expected: 'Service/shop/a' },
    { name: 'namespaced kind without one defaults to "default"', document: { kind: 'Gateway', metadata: { name: 'gw' } }, expected: 'Gateway/default/gw' },
    { name: 'Namespace is cluster-scoped', document: { kind: 'Namespace', metadata: { name: 'shop' } }, expected: 'Namespace//shop' },
    { name: 'a namespace on a cluster-scoped kind is ignored', document: { kind: 'Namespace', metadata: { name: 'shop', namespace: 'x' } }, expected: 'Namespace//shop' },
    { name: 'no kind', document: { metadata: { name: 'a' } }, expected: 'kind: required' },
    { name: 'no name', document: { kind: 'Service', metadata: { namespace: 'a' } }, expected: 'metadata.name: required' },
    { name: 'no metadata', document: { kind: 'Service' }, expected: 'metadata.name: required' },
    { name: 'namespace not a string', document: { kind: 'Service', metadata: { name: 'a', namespace: 7 } }, expected: 'metadata.namespace: must be a string' },
    { name: 'not a mapping', document: 'text', expected: 'document is not a mapping' },
  ];
  for (const { name, document, expected } of cases) {
    it(name, () => {
      const result = identify(document);
      const got = result.ok ? `${result.identity.kind}/${result.identity.namespace}/${result.identity.name}` : result.message;
      assert.equal(got, expected);
    });
  }
});

describe('readManifest', () => {
  it('reads every document of a multi-document file, in order', () => {
    const result = readManifest('a.yaml', 'kind: Namespace\nmetadata: {name: shop}\n---\nkind: Service\nmetadata: {name: web, namespace: shop}\n');
    assert.ok(result.ok);
    assert.deepEqual(result.objects.map((object) => object.key), ['Namespace//shop', 'Service/shop/web']);
    assert.deepEqual(result.objects[1].document, { kind: 'Service', metadata: { name: 'web', namespace: 'shop' } });
  });

  it('gives the same digest to the same content however it is written', () => {
    const yaml = readManifest('a.yaml', '# a comment\nkind: Service\nmetadata:\n  namespace: shop\n  name: web\n');
    const json = readManifest('a.json', '{"metadata": {"name": "web", "namespace": "shop"}, "kind": "Service"}');
    const other = readManifest('b.yaml', 'kind: Service\nmetadata: {name: web, namespace: other}\n');
    assert.ok(yaml.ok && json.ok && other.ok);
    assert.equal(yaml.objects[0].digest, json.objects[0].digest);
    assert.notEqual(yaml.objects[0].digest, other.objects[0].digest);
  });

  it('expands a JSON List', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Service', metadata: { name: 'a' } }, { kind: 'Service', metadata: { name: 'b' } }] });
    const result = readManifest('list.json', text);
    assert.ok(result.ok);
    assert.deepEqual(result.objects.map((object) => object.key), ['Service/default/a', 'Service/default/b']);
  });

  it('rejects a file with a syntax error, naming the line', () => {
    const result = readManifest('bad.yaml', 'kind: Service\nmetadata:\n  name: [web\n');
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 1);
    assert.equal(typeof result.problems[0].line, 'number');
    assert.match(describeProblem(result.problems[0]), /^bad\.yaml:\d+:\d+: /);
  });

  it('rejects the whole file when one document has no kind, naming that document and its line', () => {
    const result = readManifest('m.yaml', 'kind: Service\nmetadata: {name: a}\n---\n# no kind here\nmetadata:\n  name: b\n');
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [{ file: 'm.yaml', line: 5, document: 1, message: 'kind: required' }]);
    assert.equal(describeProblem(result.problems[0]), 'm.yaml:5: kind: required (document 2)');
  });

  it('rejects a file that declares the same object twice', () => {
    const result = readManifest('m.yaml', 'kind: Service\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: a, namespace: default}\n');
    assert.ok(!result.ok);
    assert.equal(result.problems[0].line, 4);
    assert.match(result.problems[0].message, /Service\/default\/a is declared more than once/);
  });

  it('skips empty documents', () => {
    const result = readManifest('m.yaml', '---\n---\nkind: Service\nmetadata: {name: a}\n---\n');
    assert.ok(result.ok);
    assert.equal(result.objects.length, 1);
  });
});

/** The wire format: validation of incoming payloads and the subjects changes travel on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeSubject, decodeDoorbell, decodeResourceChanged, validateResourceChanged } from '../src/index.js';
import { change } from './support.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('validateResourceChanged', () => {
  const cases: { name: string; input: unknown; errors: string[] }[] = [
    { name: 'an array', input: [], errors: ['(root): must be an object'] },
    { name: 'null', input: null, errors: ['(root): must be an object'] },
    {
      name: 'missing fields',
      input: { op: 'apply' },
      errors: ['id: must be a non-empty string', 'source: must be a non-empty string', 'kind: must be a non-empty string', 'namespace: must be a string', 'name: must be a non-empty string'],
    },
    { name: 'an unknown op', input: { ...change('x'), op: 'patch' }, errors: ['op: must be "apply" or "delete"'] },
    { name: 'a numeric namespace', input: { ...change('x'), namespace: 3 }, errors: ['namespace: must be a string'] },
  ];
  for (const { name, input, errors } of cases) {
    it(`refuses ${name}`, () => {
      assert.deepEqual(validateResourceChanged(input), { valid: false, errors });
    });
  }

  it('accepts a cluster-scoped delete without an object and drops unknown fields', () => {
    const input = { id: 'i', source: 's', op: 'delete', kind: 'Namespace', namespace: '', name: 'n', extra: true };
    assert.deepEqual(validateResourceChanged(input), {
      valid: true,
      value: { id: 'i', source: 's', op: 'delete', kind: 'Namespace', namespace: '', name: 'n' },
    });
  });
});

describe('decoding payloads', () => {
  it('refuses bytes that are not UTF-8 JSON', () => {
    const notUtf8 = decodeResourceChanged(new Uint8Array([0xff, 0xfe]));
    assert.equal(notUtf8.valid, false);
    const notJson = decodeDoorbell(bytes('head=1'));
    assert.equal(notJson.valid, false);
    assert.match(notJson.valid ? '' : notJson.errors[0], /^\(root\): not UTF-8 JSON/);
  });

  it('decodes a doorbell and refuses a fractional head', () => {
    assert.deepEqual(decodeDoorbell(bytes('{"head":12}')), { valid: true, value: { head: 12 } });
    assert.deepEqual(decodeDoorbell(bytes('{"head":1.5}')), { valid: false, errors: ['head: must be a non-negative integer'] });
  });
});

describe('changeSubject', () => {
  it('routes by kind and namespace, "_" for cluster-scoped', () => {
    assert.equal(changeSubject('meshgate.changes', { kind: 'Ingress', namespace: 'httpbin' }), 'meshgate.changes.Ingress.httpbin');
    assert.equal(changeSubject('meshgate.changes', { kind: 'IngressClass', namespace: '' }), 'meshgate.changes.IngressClass._');
  });

  it('cannot be steered into another subject by dots or wildcards', () => {
    assert.equal(changeSubject('p', { kind: 'a.b', namespace: '>' }), 'p.a_b._');
    assert.equal(changeSubject('p', { kind: '*', namespace: 'x y' }), 'p._.x_y');
  });
});

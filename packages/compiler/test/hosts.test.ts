import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostTable, hostsOverlap, moreSpecificHost, parseServerHost, serverHostAdmits } from '../src/hosts.js';

test('hostsOverlap follows Istio host.Name.Matches', () => {
  const cases: [string, string, boolean][] = [
    ['foo.com', 'foo.com', true],
    ['foo.com', 'bar.com', false],
    ['*.com', 'foo.com', true],
    ['bar.com', '*.com', true],
    ['*.foo.com', 'foo.com', false],
    ['*', 'foo.com', true],
    ['*', '*.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', '*.a.example.com', true],
    ['*.a.example.com', '*.b.example.com', false],
    ['*.example.com', 'example.com.evil.org', false],
  ];
  for (const [a, b, expected] of cases) {
    assert.equal(hostsOverlap(a, b), expected, `${a} ~ ${b}`);
    assert.equal(hostsOverlap(b, a), expected, `${b} ~ ${a} (symmetric)`);
  }
});

test('moreSpecificHost picks the narrower of two overlapping hosts', () => {
  assert.equal(moreSpecificHost('*', 'httpbin.example.com'), 'httpbin.example.com');
  assert.equal(moreSpecificHost('httpbin.example.com', '*'), 'httpbin.example.com');
  assert.equal(moreSpecificHost('*.example.com', '*'), '*.example.com');
  assert.equal(moreSpecificHost('*', '*.example.com'), '*.example.com');
  assert.equal(moreSpecificHost('*.example.com', '*.a.example.com'), '*.a.example.com');
});

test('server hosts: bare and */ admit every namespace, ./ the Gateway namespace, ns/ only ns', () => {
  assert.deepEqual(parseServerHost('a.com', 'gw'), { namespace: '*', host: 'a.com' });
  assert.deepEqual(parseServerHost('*/a.com', 'gw'), { namespace: '*', host: 'a.com' });
  assert.deepEqual(parseServerHost('./a.com', 'gw'), { namespace: 'gw', host: 'a.com' });
  assert.deepEqual(parseServerHost('team/*.a.com', 'gw'), { namespace: 'team', host: '*.a.com' });
  assert.ok(serverHostAdmits({ namespace: '*', host: 'a.com' }, 'anything'));
  assert.ok(serverHostAdmits({ namespace: 'team', host: 'a.com' }, 'team'));
  assert.ok(!serverHostAdmits({ namespace: 'team', host: 'a.com' }, 'other'));
});

test('HostTable finds exact and wildcard overlaps without missing any', () => {
  const table = new HostTable<number>();
  table.add('a.example.com', 1);
  table.add('*.example.com', 2);
  table.add('b.example.com', 3);
  table.add('*', 4);
  table.add('a.example.com', 5);
  const values = (host: string) => table.overlapping(host).map((hit) => hit.value).sort();
  assert.deepEqual(values('a.example.com'), [1, 2, 4, 5]);
  assert.deepEqual(values('c.example.com'), [2, 4]);
  assert.deepEqual(values('other.org'), [4]);
  assert.deepEqual(values('*.example.com'), [1, 2, 3, 4, 5]);
  assert.deepEqual(values('*.org'), [4]);
});

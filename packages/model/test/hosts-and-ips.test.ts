import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalCidr, canonicalIP, isIP, isIPv4, isIPv6, parseCidr, parseServiceHost, qualifyDestinationHost, qualifyGatewayRef } from '../src/index.js';

describe('qualifyDestinationHost', () => {
  const cases: [string, string][] = [
    ['httpbin', 'httpbin.web.svc.cluster.local'],
    ['httpbin.other', 'httpbin.other.svc.cluster.local'],
    ['httpbin.other.svc', 'httpbin.other.svc.cluster.local'],
    ['httpbin.other.svc.cluster.local', 'httpbin.other.svc.cluster.local'],
    ['api.example.com', 'api.example.com'],
    ['*.example.com', '*.example.com'],
    ['10.0.0.1', '10.0.0.1'],
  ];
  for (const [host, expected] of cases) {
    it(`${host} → ${expected}`, () => assert.equal(qualifyDestinationHost(host, 'web', 'cluster.local'), expected));
  }

  it('uses the cluster domain it is given', () => {
    assert.equal(qualifyDestinationHost('httpbin', 'web', 'corp.internal'), 'httpbin.web.svc.corp.internal');
    assert.deepEqual(parseServiceHost('httpbin.web.svc.corp.internal', 'corp.internal'), { name: 'httpbin', namespace: 'web' });
    assert.equal(parseServiceHost('a.b.web.svc.corp.internal', 'corp.internal'), undefined);
  });
});

describe('qualifyGatewayRef', () => {
  it('resolves bare names against the namespace and keeps mesh and ns/name', () => {
    assert.equal(qualifyGatewayRef('gw', 'web'), 'web/gw');
    assert.equal(qualifyGatewayRef('istio-system/gw', 'web'), 'istio-system/gw');
    assert.equal(qualifyGatewayRef('mesh', 'web'), 'mesh');
    assert.equal(qualifyGatewayRef('gw.istio-system.svc.cluster.local', 'web'), 'istio-system/gw');
  });
});

describe('IP addresses', () => {
  const valid = ['0.0.0.0', '10.1.2.3', '255.255.255.255', '::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8'];
  const invalid = ['', '10.1.2', '10.1.2.256', '010.1.2.3', '1.2.3.4.5', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', 'gggg::1', 'fe80::1%eth0', '12345::1', 'localhost'];
  for (const ip of valid) it(`accepts ${ip}`, () => assert.ok(isIP(ip)));
  for (const ip of invalid) it(`refuses ${JSON.stringify(ip)}`, () => assert.ok(!isIP(ip)));

  it('tells the families apart', () => {
    assert.ok(isIPv4('10.0.0.1') && !isIPv6('10.0.0.1'));
    assert.ok(isIPv6('fd00::1') && !isIPv4('fd00::1'));
  });

  it('writes IPv6 in RFC 5952 form', () => {
    assert.equal(canonicalIP('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(canonicalIP('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1', 'the longest run of zeros');
    assert.equal(canonicalIP('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
    assert.equal(canonicalIP('::FFFF:c000:0201'), '::ffff:192.0.2.1');
    assert.equal(canonicalIP('0:0:0:0:0:0:0:0'), '::');
    assert.equal(canonicalIP('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIP('nope'), undefined);
  });
});

describe('CIDRs', () => {
  it('read as Go reads them, written as their network address', () => {
    const cases: [string, string | undefined][] = [
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['192.168.7.255/23', '192.168.6.0/23'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['203.0.113.7/32', '203.0.113.7/32'],
      ['2001:DB8::1/32', '2001:db8::/32'],
      ['fd00:1:2:3:4:5:6:7/127', 'fd00:1:2:3:4:5:6:6/127'],
      ['::/0', '::/0'],
      ['10.0.0.0/33', undefined],
      ['10.0.0.0', undefined],
      ['10.0.0.0/', undefined],
      ['10.0.0.0/08', undefined],
      ['10.0.0.0/-1', undefined],
      ['fd00::/129', undefined],
      ['example.com/24', undefined],
    ];
    for (const [text, expected] of cases) assert.equal(canonicalCidr(text), expected, text);
  });

  it('know their family and prefix length', () => {
    assert.deepEqual(parseCidr('10.1.0.0/16'), { address: '10.1.0.0', prefixLength: 16, family: 4 });
    assert.deepEqual(parseCidr('fd00::/8'), { address: 'fd00::', prefixLength: 8, family: 6 });
  });
});

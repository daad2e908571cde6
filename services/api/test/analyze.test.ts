/**
 * Analysis over REST: `GET /v1/analyze` reports on the stored state, and an apply answers with
 * what the analysis says about its objects (seed 002's typo: a VirtualService naming a gateway
 * that does not exist).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec: {selector: {app: httpbin}, ports: [{name: http, port: 8000}]}
`;
const GATEWAY = `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: mygateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [httpbin.example.com]
`;
const VIRTUAL_SERVICE = (gateway: string) => `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: ["httpbin.example.com"]
  gateways: [${gateway}]
  http:
  - match: [{uri: {prefix: /status}}]
    route: [{destination: {port: {number: 8000}, host: httpbin}}]
`;

describe('analysis over REST', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('apply warns with the analysis of its objects; GET /v1/analyze reports on the stored state', async () => {
    const applied = await h.inject(yamlRequest(`${SERVICE}---\n${GATEWAY}---\n${VIRTUAL_SERVICE('httpbin-gateway')}`));
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json<{ warnings: string[] }>().warnings, ['Error [IST0101] (VirtualService default/httpbin) Referenced gateway not found: "default/httpbin-gateway"']);

    const analyzed = await h.inject({ method: 'GET', url: '/v1/analyze' });
    assert.equal(analyzed.statusCode, 200, analyzed.body);
    const body = analyzed.json<{ sequence: number; messages: { code: string; level: string; object: { kind: string; name: string }; path: string }[] }>();
    assert.deepEqual(
      body.messages.map((m) => [m.code, m.level, m.object.kind, m.object.name, m.path]),
      [['IST0101', 'Error', 'VirtualService', 'httpbin', 'spec.gateways']],
    );
    const other = await h.inject({ method: 'GET', url: '/v1/analyze?namespace=elsewhere' });
    assert.deepEqual(other.json<{ messages: unknown[] }>().messages, []);

    const fixed = await h.inject(yamlRequest(VIRTUAL_SERVICE('mygateway')));
    assert.deepEqual(fixed.json<{ warnings: string[] }>().warnings, []);
    assert.deepEqual((await h.inject({ method: 'GET', url: '/v1/analyze' })).json<{ messages: unknown[] }>().messages, []);
  });

  it('POST /v1/analyze: documents analyzed on top of the stored state, nothing written', async () => {
    const events = await h.store.countEvents();
    const analyzed = await h.inject({ ...yamlRequest(VIRTUAL_SERVICE('nowhere-gateway')), url: '/v1/analyze' });
    assert.equal(analyzed.statusCode, 200, analyzed.body);
    const { messages } = analyzed.json<{ messages: { code: string; origin?: string; message: string }[] }>();
    assert.deepEqual(
      messages.map((m) => [m.code, m.origin, m.message]),
      [['IST0101', 'document 1', 'Referenced gateway not found: "default/nowhere-gateway"']],
      'the stored Service and Gateway count: only the gateway reference is missing',
    );
    assert.equal(await h.store.countEvents(), events);
    const malformed = await h.inject({ ...yamlRequest('a: ['), url: '/v1/analyze' });
    assert.equal(malformed.statusCode, 400);
  });

  it('POST /v1/analyze judges a Secret document\'s payload as apply does: a malformed PEM is IST0161 before it is applied', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const gateway = `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: tls, namespace: files}\nspec:\n  selector: {istio: files}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: cred}\n    hosts: [a.example.com]\n`;
    const secret = `apiVersion: v1\nkind: Secret\nmetadata: {name: cred, namespace: files}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nbm8=\n-----END CERTIFICATE-----\n')}\n  tls.key: ${b64('-----BEGIN PRIVATE KEY-----\nbm8=\n-----END PRIVATE KEY-----\n')}\n`;
    const analyzed = await h.inject({ ...yamlRequest(`${gateway}---\n${secret}`), url: '/v1/analyze' });
    assert.equal(analyzed.statusCode, 200, analyzed.body);
    const { messages } = analyzed.json<{ messages: { code: string; object: { name: string }; message: string }[] }>();
    assert.deepEqual(messages.map((m) => [m.code, m.object.name]), [['IST0161', 'tls']]);
    assert.match(messages[0].message, /Secret files\/cred is not a usable credential: tls\.crt/);
    assert.ok(!analyzed.body.includes('PRIVATE KEY'), 'no key material in the answer');
  });
});

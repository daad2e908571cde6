/**
 * Nothing dropped in silence, end to end through REST and gRPC: an Istio field meshgate does
 * not apply comes back as a warning of the apply (what `meshgate apply` prints as `Warning:`),
 * a change to it is `configured` (an event), and a misspelt field is refused with nothing written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectMeshgate } from '@meshgate/grpc-api';
import { TEST_API_TOKEN } from '@meshgate/testkit';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface ApplyBody {
  results: { kind: string; namespace: string; name: string; action: string }[];
  warnings: string[];
}

const virtualService = (mirrorHost: string, extra = '') => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - route:
    - destination: {host: httpbin, port: {number: 8000}}
    mirror: {host: ${mirrorHost}}
    corsPolicy: {allowOrigins: [{exact: "https://example.com"}]}${extra}
`;

describe('apply: fields accepted but not applied', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('answers with a warning per field, stores them, and reports a change to one as configured', async () => {
    const created = await h.inject(yamlRequest(virtualService('shadow')));
    assert.equal(created.statusCode, 200, created.body);
    const body = created.json<ApplyBody>();
    assert.deepEqual(body.results.map((r) => r.action), ['created']);
    // The field warnings (the analysis of the VirtualService, IST0101 here, follows them: analyze.test.ts).
    assert.deepEqual(body.warnings.filter((w) => w.startsWith('VirtualService ')), [
      'VirtualService default/httpbin: spec.http[0].mirror: traffic mirroring is not implemented by meshgate; nothing is mirrored (kept as given, not applied)',
      'VirtualService default/httpbin: spec.http[0].corsPolicy: CORS is not implemented by meshgate; no CORS headers are added or enforced (kept as given, not applied)',
    ]);
    const stored = await h.inject({ method: 'GET', url: '/v1/resources/VirtualService/default/httpbin' });
    assert.deepEqual(stored.json<{ spec: { http: { mirror: unknown }[] } }>().spec.http[0].mirror, { host: 'shadow' });

    const events = await h.store.countEvents();
    const same = await h.inject(yamlRequest(virtualService('shadow')));
    assert.deepEqual(same.json<ApplyBody>().results.map((r) => r.action), ['unchanged']);
    assert.equal(same.json<ApplyBody>().warnings.filter((w) => w.startsWith('VirtualService ')).length, 2, 'an unchanged apply still says what is not applied');
    const changed = await h.inject(yamlRequest(virtualService('shadow-v2')));
    assert.deepEqual(changed.json<ApplyBody>().results.map((r) => r.action), ['configured'], 'changing an ignored field is a change');
    assert.equal(await h.store.countEvents(), events + 1);
  });

  it('refuses a misspelt field with its path, writing nothing', async () => {
    const events = await h.store.countEvents();
    const refused = await h.inject(yamlRequest(virtualService('shadow', '\n    timout: 5s')));
    assert.equal(refused.statusCode, 422, refused.body);
    const problem = refused.json<{ errors: { path: string; message: string }[] }>();
    assert.deepEqual(problem.errors.map((e) => [e.path, e.message]), [['spec.http[0].timout', 'unknown field (did you mean timeout?)']]);
    assert.equal(await h.store.countEvents(), events);
  });
});

describe('apply over gRPC: the same warnings', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ grpc: true });
  });
  after(async () => {
    await h.close();
  });

  it('ApplyResponse.warnings carries the fields accepted but not applied', async () => {
    const client = connectMeshgate(h.grpcAddress ?? '', { token: TEST_API_TOKEN });
    try {
      const applied = await client.resources.apply({ documents: virtualService('shadow') });
      assert.deepEqual(applied.warnings, [
        'VirtualService default/httpbin: spec.http[0].mirror: traffic mirroring is not implemented by meshgate; nothing is mirrored (kept as given, not applied)',
        'VirtualService default/httpbin: spec.http[0].corsPolicy: CORS is not implemented by meshgate; no CORS headers are added or enforced (kept as given, not applied)',
      ]);
    } finally {
      client.close();
    }
  });
});

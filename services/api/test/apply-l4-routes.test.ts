/**
 * VirtualService `tls` and `tcp` sections through apply: stored (they were once dropped while
 * the answer said `created`), changed content is `configured` never `unchanged`, and a bad
 * entry is refused with its field path and nothing written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface ApplyBody {
  results: { kind: string; namespace: string; name: string; action: string }[];
}

const NGINX_VS = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: nginx
spec:
  hosts:
  - nginx.example.com
  gateways:
  - mygateway
  tls:
  - match:
    - port: 443
      sniHosts:
      - nginx.example.com
    route:
    - destination:
        host: my-nginx
        port:
          number: 443
`;

describe('POST /v1/apply with tls and tcp routes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('stores seed 002\'s tls route; a change to it is configured', async () => {
    const created = await h.inject(yamlRequest(NGINX_VS));
    assert.equal(created.statusCode, 200, created.body);
    assert.deepEqual(created.json<ApplyBody>().results.map((r) => r.action), ['created']);
    const got = await h.inject({ method: 'GET', url: '/v1/resources/VirtualService/default/nginx' });
    const spec = got.json<{ spec: { tls: { match: { sniHosts: string[]; port: number }[]; route: { destination: { host: string } }[] }[] } }>().spec;
    assert.deepEqual(spec.tls[0].match[0], { destinationSubnets: [], gateways: [], port: 443, sniHosts: ['nginx.example.com'], sourceLabels: {} });
    assert.equal(spec.tls[0].route[0].destination.host, 'my-nginx.default.svc.cluster.local');

    const before = await h.store.countEvents();
    const changed = await h.inject(yamlRequest(NGINX_VS.replace('number: 443\n', 'number: 8443\n')));
    assert.deepEqual(changed.json<ApplyBody>().results.map((r) => r.action), ['configured']);
    assert.equal(await h.store.countEvents(), before + 1);
  });

  it('refuses a bad tcp entry with its field path and writes nothing', async () => {
    const before = await h.store.countEvents();
    const bad = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: pg, namespace: default}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - match: [{port: 31400, destinationSubnets: [not-a-cidr]}]
    route: [{destination: {host: db, port: {number: 5432}}}]
`;
    const response = await h.inject(yamlRequest(bad));
    assert.equal(response.statusCode, 422, response.body);
    assert.match(response.body, /spec\.tcp\[0\]\.match\[0\]\.destinationSubnets\[0\]/);
    assert.equal(await h.store.countEvents(), before);
  });
});

/** The ingress story's kinds through `/v1/resources`, and the status an IngressBackend is shown with. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';
import { CONFLICTING_INGRESS_BACKEND, INGRESS_STORY_YAML } from './ingress-fixtures.js';

interface ObjectBody {
  kind: string;
  metadata: { name: string; namespace: string };
  status?: { currentStatus: string; reason: string };
}
interface ListBody {
  items: ObjectBody[];
  sequence: number;
}
interface ApplyBody {
  sequence: number;
  results: { kind: string; namespace: string; name: string; action: string }[];
}

function keyOf(object: ObjectBody): string {
  return `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
}

describe('/v1/resources for the ingress kinds', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ consumeChanges: false });
    const applied = await h.inject(yamlRequest(INGRESS_STORY_YAML));
    assert.equal(applied.statusCode, 200, applied.body);
  });
  after(async () => {
    await h.close();
  });

  it('lists each kind by its lowercase plural and its name', async () => {
    const expected: [string[], string][] = [
      [['ingressbackends', 'IngressBackend', 'ingressbackend'], 'IngressBackend/httpbin/httpbin'],
      [['ingresses', 'Ingress'], 'Ingress/httpbin/httpbin'],
      [['ingressclasses', 'IngressClass'], 'IngressClass//nginx'],
      [['meshconfigs', 'MeshConfig'], 'MeshConfig/osm-system/osm-mesh-config'],
      [['deployments'], 'Deployment/httpbin/httpbin'],
      [['serviceaccounts'], 'ServiceAccount/httpbin/httpbin'],
      [['configmaps'], 'ConfigMap/osm-system/osm-contour-contour'],
      [['httpproxies', 'HTTPProxy'], 'HTTPProxy/test/basic'],
      [['tlscertificatedelegations'], 'TLSCertificateDelegation/osm-system/osm-ca-secret'],
    ];
    for (const [segments, key] of expected) {
      for (const segment of segments) {
        const response = await h.inject({ method: 'GET', url: `/v1/resources/${segment}` });
        assert.equal(response.statusCode, 200, `${segment}: ${response.body}`);
        assert.deepEqual(response.json<ListBody>().items.map(keyOf), [key], segment);
      }
    }
  });

  it('gets one object of each kind; IngressClass is cluster-scoped (`_`)', async () => {
    for (const url of [
      '/v1/resources/ingressbackends/httpbin/httpbin',
      '/v1/resources/ingresses/httpbin/httpbin',
      '/v1/resources/ingressclasses/_/nginx',
      '/v1/resources/meshconfigs/osm-system/osm-mesh-config',
      '/v1/resources/httpproxies/test/basic',
      '/v1/resources/configmaps/osm-system/osm-contour-contour',
    ]) {
      const response = await h.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
    const meshConfig = await h.inject({ method: 'GET', url: '/v1/resources/meshconfigs/osm-system/osm-mesh-config' });
    assert.deepEqual(meshConfig.json<{ spec: { certificate: unknown } }>().spec.certificate, {
      ingressGateway: { secret: { name: 'osm-nginx-client-cert', namespace: 'osm-system' }, subjectAltNames: ['ingress-nginx.ingress-nginx.cluster.local'], validityDuration: '24h' },
    });
    const proxy = await h.inject({ method: 'GET', url: '/v1/resources/httpproxies/test/basic' });
    assert.deepEqual(proxy.json<{ spec: unknown }>().spec, { routes: [{ conditions: [{ prefix: '/' }], services: [{ name: 'foo', port: 80 }] }], virtualhost: { fqdn: 'foo-basic.bar.com' } });
  });

  it('shows an IngressBackend with its status, as OSM does', async () => {
    const response = await h.inject({ method: 'GET', url: '/v1/resources/ingressbackends/httpbin/httpbin' });
    assert.deepEqual(response.json<ObjectBody>().status, { currentStatus: 'committed', reason: 'successfully committed by the system' });
    const others = await h.inject({ method: 'GET', url: '/v1/resources/ingresses/httpbin/httpbin' });
    assert.equal(others.json<ObjectBody>().status, undefined, 'only IngressBackends carry a derived status');
  });

  it('re-applying what GET shows changes nothing (status is not part of the object)', async () => {
    const shown = await h.inject({ method: 'GET', url: '/v1/resources/ingressbackends/httpbin/httpbin' });
    const before = await h.store.countEvents();
    const again = await h.inject({ method: 'POST', url: '/v1/apply', payload: shown.body, headers: { 'content-type': 'application/json' } });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json<ApplyBody>().results.map(({ action }) => action), ['unchanged']);
    assert.equal(await h.store.countEvents(), before);
  });

  it('rejects the later of two IngressBackends on one backend port, and commits it once the earlier is deleted', async () => {
    const applied = await h.inject(yamlRequest(CONFLICTING_INGRESS_BACKEND));
    assert.equal(applied.statusCode, 200, applied.body);

    const later = await h.inject({ method: 'GET', url: '/v1/resources/ingressbackends/httpbin/httpbin-from-contour' });
    assert.deepEqual(later.json<ObjectBody>().status, { currentStatus: 'rejected', reason: 'conflicts with IngressBackend httpbin/httpbin on backend httpbin:14001' });
    const listed = await h.inject({ method: 'GET', url: '/v1/resources/ingressbackends/httpbin' });
    assert.deepEqual(
      listed.json<ListBody>().items.map((item) => [item.metadata.name, item.status?.currentStatus]),
      [
        ['httpbin', 'committed'],
        ['httpbin-from-contour', 'rejected'],
      ],
    );
    const everything = await h.inject({ method: 'GET', url: '/v1/resources' });
    assert.equal(everything.json<ListBody>().items.find((item) => item.metadata.name === 'httpbin-from-contour')?.status?.currentStatus, 'rejected');

    const deleted = await h.inject({ method: 'DELETE', url: '/v1/resources/ingressbackends/httpbin/httpbin' });
    assert.equal(deleted.statusCode, 200, deleted.body);
    const promoted = await h.inject({ method: 'GET', url: '/v1/resources/ingressbackends/httpbin/httpbin-from-contour' });
    assert.equal(promoted.json<ObjectBody>().status?.currentStatus, 'committed');
  });

  it('never writes a status into the log', async () => {
    const events = await h.store.readAfter(0);
    const ingressBackends = events.filter((event) => event.streamId.startsWith('IngressBackend/'));
    assert.ok(ingressBackends.length >= 2);
    for (const event of ingressBackends) assert.ok(!JSON.stringify(event.data).includes('currentStatus'), event.streamId);
  });

  it('deletes foreign and cluster-scoped objects by their plural', async () => {
    for (const url of ['/v1/resources/deployments/httpbin/httpbin', '/v1/resources/ingressclasses/_/nginx']) {
      const response = await h.inject({ method: 'DELETE', url });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      assert.equal((await h.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });

  it('refuses a Secret when it has no encryption key for it, naming the kind, and writes nothing', async () => {
    const before = await h.store.countEvents();
    const response = await h.inject(yamlRequest('apiVersion: v1\nkind: Secret\nmetadata: {name: osm-nginx-client-cert, namespace: osm-system}\ndata: {tls.key: c2VjcmV0}\n'));
    assert.equal(response.statusCode, 422);
    assert.deepEqual(
      response.json<{ errors: { path: string; message: string }[] }>().errors.map(({ path, message }) => `${path}: ${message}`),
      ["kind: this api has no encryption key for Secrets (MESHGATE_CA_ENCRYPTION_KEY_FILE or MESHGATE_CA_ENCRYPTION_KEY, the CA's): a Secret's payload is stored only encrypted"],
    );
    assert.ok(!response.body.includes('c2VjcmV0'));
    assert.equal(await h.store.countEvents(), before);
  });
});

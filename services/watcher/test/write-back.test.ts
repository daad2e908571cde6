/**
 * Writing back to the cluster: server-side apply as the test apiserver implements it (after the
 * Kubernetes documentation), then the write-back controller against it — IngressBackend status
 * as OSM writes it, Istio `Reconciled` conditions carrying meshgate's diagnostics and
 * `validationMessages` carrying its analysis (as istiod's in-cluster analysis), the issued
 * secret and the trust bundle as Secrets, renewed once when they change and not rewritten when
 * nothing changed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { canonicalJson, evolve, initialState, validateDocument, type MeshState } from '@meshgate/model';
import { FakeKubeApiServer, type KubeObject } from '@meshgate/testkit';
import fetch from 'node-fetch';
import {
  applyObject,
  KUBERNETES_RESOURCES,
  KubernetesWriteBack,
  loadKubeConfig,
  SECRET_RESOURCE,
  type IssuedSecret,
  type IssuedSecretSource,
} from '../src/index.js';
import { TEST_TIMEOUT_MS, capturingLogger } from './support.js';

const INGRESS_BACKEND = KUBERNETES_RESOURCES.find((resource) => resource.kind === 'IngressBackend')!;
const SERVICE = KUBERNETES_RESOURCES.find((resource) => resource.kind === 'Service')!;

/** A PATCH as any client could send it, for the refusals meshgate's own client never provokes. */
async function rawPatch(kc: KubeConfig, path: string, contentType: string, body: unknown, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const init = await kc.applyToFetchOptions({ headers: { 'content-type': contentType } });
  const response = await fetch(`${kc.getCurrentCluster()?.server}${path}?${query}`, { ...init, method: 'PATCH', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The watch events of one collection from `resourceVersion`, until `count` have arrived. */
function watchEvents(kc: KubeConfig, path: string, resourceVersion: string, count: number): Promise<{ type: string; object: KubeObject }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: KubeObject }[] = [];
    let controller: AbortController | undefined;
    void new Watch(kc)
      .watch(
        path,
        { resourceVersion },
        (type, object) => {
          events.push({ type, object: object as KubeObject });
          if (events.length === count) {
            controller?.abort();
            resolve(events);
          }
        },
        (error) => {
          if (events.length < count) reject(error instanceof Error ? error : new Error(String(error)));
        },
      )
      .then((started) => (controller = started), reject);
  });
}

describe('server-side apply on the test apiserver', { timeout: TEST_TIMEOUT_MS }, () => {
  const server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  let kc: KubeConfig;

  before(async () => {
    await server.start();
    kc = loadKubeConfig({ kubeconfig: server.writeKubeconfig() });
    server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin', labels: { app: 'httpbin' } }, spec: { ports: [{ port: 14001 }] } });
    server.apply({
      apiVersion: 'policy.openservicemesh.io/v1alpha1',
      kind: 'IngressBackend',
      metadata: { name: 'httpbin', namespace: 'httpbin' },
      spec: { backends: [{ name: 'httpbin', port: { number: 14001, protocol: 'http' } }], sources: [{ kind: 'Service', name: 'nginx', namespace: 'ingress-nginx' }] },
    });
  });

  after(() => server.close());

  it('creates with apply (the content type, fieldManager and force as controllers send them), and a repeat changes nothing', async () => {
    const secret = { metadata: { name: 'demo', namespace: 'osm-system' }, type: 'Opaque', data: { 'ca.crt': 'QQ==', 'extra.key': 'Qg==' } };
    const created = await applyObject(kc, SECRET_RESOURCE, secret);
    const metadata = created.metadata as { resourceVersion: string; managedFields: { manager: string; operation: string; fieldsV1: unknown }[] };
    assert.deepEqual(server.patches.at(-1), { path: '/api/v1/namespaces/osm-system/secrets/demo', contentType: 'application/apply-patch+yaml', fieldManager: 'meshgate', force: 'true', code: 201 });
    assert.deepEqual(
      metadata.managedFields.map((entry) => [entry.manager, entry.operation]),
      [['meshgate', 'Apply']],
    );
    assert.deepEqual(metadata.managedFields[0].fieldsV1, { 'f:data': { 'f:ca.crt': {}, 'f:extra.key': {} }, 'f:type': {} });

    const revision = server.resourceVersion;
    const again = await applyObject(kc, SECRET_RESOURCE, secret);
    assert.equal((again.metadata as { resourceVersion: string }).resourceVersion, metadata.resourceVersion, 'a no-op apply keeps the resourceVersion');
    assert.equal(server.resourceVersion, revision, 'and writes nothing');

    // A field the manager applied before and leaves out now is removed.
    await applyObject(kc, SECRET_RESOURCE, { ...secret, data: { 'ca.crt': 'QQ==' } });
    assert.deepEqual(server.get('Secret', 'osm-system', 'demo')?.data, { 'ca.crt': 'QQ==' });
  });

  it('writes status on the status subresource only, with a new resourceVersion and a MODIFIED event', async () => {
    const before = server.get('IngressBackend', 'httpbin', 'httpbin');
    assert.ok(before);
    const events = watchEvents(kc, '/apis/policy.openservicemesh.io/v1alpha1/ingressbackends', server.resourceVersion, 1);
    // The spec in the body is not the status subresource's to change: it is ignored.
    await applyObject(kc, INGRESS_BACKEND, { metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { backends: [] }, status: { currentStatus: 'committed', reason: 'ok' } }, 'status');
    const [event] = await events;
    assert.equal(event.type, 'MODIFIED');
    assert.deepEqual(event.object.status, { currentStatus: 'committed', reason: 'ok' });
    assert.deepEqual(event.object.spec, before.spec);
    assert.notEqual(event.object.metadata.resourceVersion, before.metadata.resourceVersion);
    const managers = (event.object.metadata.managedFields as { manager: string; subresource?: string }[]).map((entry) => `${entry.manager}${entry.subresource ? `/${entry.subresource}` : ''}`);
    assert.deepEqual(managers.sort(), ['kubectl', 'meshgate/status']);

    // The main resource ignores status for a kind with a status subresource.
    await applyObject(kc, INGRESS_BACKEND, { metadata: { name: 'httpbin', namespace: 'httpbin', labels: { team: 'a' } }, status: { currentStatus: 'rejected' } });
    const after = server.get('IngressBackend', 'httpbin', 'httpbin');
    assert.deepEqual(after?.status, { currentStatus: 'committed', reason: 'ok' });
    assert.deepEqual(after?.metadata.labels, { team: 'a' });
  });

  it('refuses what the apiserver refuses: no fieldManager, another patch type, a conflict without force, status of a missing object', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { ports: [{ port: 8080 }] } };
    const path = '/api/v1/namespaces/httpbin/services/httpbin';
    const noManager = await rawPatch(kc, path, 'application/apply-patch+yaml', service, 'force=true');
    assert.equal(noManager.status, 400);
    assert.match(String(noManager.body.message), /fieldManager: Required value/);
    const merge = await rawPatch(kc, path, 'application/merge-patch+json', service, 'fieldManager=meshgate');
    assert.equal(merge.status, 415);
    const conflict = await rawPatch(kc, path, 'application/apply-patch+yaml', service, 'fieldManager=meshgate');
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.reason, 'Conflict');
    assert.deepEqual((conflict.body.details as { causes: unknown[] }).causes, [{ type: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.ports' }]);
    assert.deepEqual(server.get('Service', 'httpbin', 'httpbin')?.spec, { ports: [{ port: 14001 }] }, 'nothing changed');
    // Forced, the field moves to meshgate.
    await applyObject(kc, SERVICE, service);
    assert.deepEqual(server.get('Service', 'httpbin', 'httpbin')?.spec, { ports: [{ port: 8080 }] });
    await assert.rejects(applyObject(kc, INGRESS_BACKEND, { metadata: { name: 'missing', namespace: 'httpbin' }, status: {} }, 'status'), (error: { statusCode?: number }) => error.statusCode === 404);
  });
});

/** A MeshState built from documents, as the log would fold them, and its 'advanced' event. */
class StateOf extends EventEmitter {
  current: MeshState = initialState();
  private sequence = 0;

  apply(...documents: unknown[]): void {
    for (const document of documents) {
      const validated = validateDocument(document);
      assert.ok(validated.valid, JSON.stringify(validated));
      const digest = createHash('sha256').update(canonicalJson(validated.value)).digest('hex');
      this.current = evolve(this.current, ++this.sequence, { type: 'ResourceApplied', data: { object: validated.value, digest, source: 'test' } });
    }
    this.emit('advanced');
  }
}

class SecretsInMemory implements IssuedSecretSource {
  secret: IssuedSecret | null = null;
  pem = '-----BEGIN CERTIFICATE-----\nroot-1\n-----END CERTIFICATE-----\n';
  async read(): Promise<IssuedSecret | null> {
    return this.secret;
  }
  async bundle(): Promise<string> {
    return this.pem;
  }
}

const MESH_CONFIG = {
  apiVersion: 'config.openservicemesh.io/v1alpha2',
  kind: 'MeshConfig',
  metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
  spec: { certificate: { ingressGateway: { secret: { name: 'osm-nginx-client-cert', namespace: 'osm-system' }, subjectAltNames: ['ingress-nginx.ingress-nginx.cluster.local'], validityDuration: '24h' } } },
};

function ingressBackend(name: string): KubeObject {
  return {
    apiVersion: 'policy.openservicemesh.io/v1alpha1',
    kind: 'IngressBackend',
    metadata: { name, namespace: 'httpbin' },
    spec: { backends: [{ name: 'httpbin', port: { number: 14001, protocol: 'http' } }], sources: [{ kind: 'Service', name: 'nginx', namespace: 'ingress-nginx' }] },
  };
}

const GATEWAY: KubeObject = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'istio-system' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'] }] },
};

function virtualService(name: string, host: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'istio-system' },
    spec: { hosts: [host], gateways: ['gw'], http: [{ route: [{ destination: { host: 'httpbin.httpbin.svc.cluster.local', port: { number: 14001 } } }] }] },
  };
}

function validationMessage(level: string, code: string, name: string): Record<string, unknown> {
  return { documentationUrl: `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/`, level, type: { code, name } };
}

/** `manager[/subresource]` → the top-level status fields it owns (`f:conditions`), from the object's managedFields. */
function statusOwners(object: KubeObject | undefined): Record<string, string[]> {
  const entries = (object?.metadata.managedFields ?? []) as { manager: string; subresource?: string; fieldsV1: { 'f:status'?: Record<string, unknown> } }[];
  return Object.fromEntries(entries.map((entry) => [`${entry.manager}${entry.subresource ? `/${entry.subresource}` : ''}`, Object.keys(entry.fieldsV1['f:status'] ?? {}).sort()]));
}

describe('the write-back controller', { timeout: TEST_TIMEOUT_MS }, () => {
  const server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  const state = new StateOf();
  const secrets = new SecretsInMemory();
  const captured = capturingLogger();
  let writeBack: KubernetesWriteBack;

  before(async () => {
    await server.start();
    const objects = [ingressBackend('first'), ingressBackend('second'), GATEWAY, virtualService('bound', 'httpbin.example.com'), virtualService('stray', 'other.example.com')];
    // Every object is in the cluster but `second`: it came from a manifest, say.
    for (const object of objects.filter((candidate) => candidate.metadata.name !== 'second')) server.apply(object);
    state.apply(MESH_CONFIG, ...objects);
    writeBack = new KubernetesWriteBack({
      kubeConfig: loadKubeConfig({ kubeconfig: server.writeKubeconfig() }),
      state,
      secrets,
      compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' },
      logger: captured.logger,
      retry: { minMs: 50, maxMs: 200 },
    });
  });

  after(async () => {
    await writeBack.stop();
    await server.close();
  });

  it('writes statuses as OSM and istiod do, and the trust bundle; the issued secret once the CA has it', async () => {
    const report = await writeBack.start();
    assert.deepEqual(report.failed, []);
    assert.deepEqual(server.get('IngressBackend', 'httpbin', 'first')?.status, { currentStatus: 'committed', reason: 'successfully committed by the system' });
    assert.equal(server.get('IngressBackend', 'httpbin', 'second'), undefined, 'an object the cluster lacks is not created');
    assert.deepEqual(server.get('Gateway', 'istio-system', 'gw')?.status, { conditions: [{ type: 'Reconciled', status: 'True', reason: 'Compiled', message: 'compiled by meshgate' }] });
    assert.deepEqual(server.get('VirtualService', 'istio-system', 'stray')?.status, {
      conditions: [{ type: 'Reconciled', status: 'True', reason: 'CompiledWithWarnings', message: 'warning: hosts other.example.com match no HTTP server host of Gateway istio-system/gw' }],
      // `meshgate analyze`'s messages about it, as istiod's analysis writes them: no Service httpbin yet, a host the Gateway does not serve.
      validationMessages: [validationMessage('ERROR', 'IST0101', 'ReferencedResourceNotFound'), validationMessage('WARNING', 'IST0132', 'VirtualServiceHostNotFoundInGateway')],
    });
    const bundle = server.get('Secret', 'osm-system', 'osm-ca-bundle');
    assert.deepEqual(bundle?.data, { 'ca.crt': Buffer.from(secrets.pem).toString('base64') });
    assert.equal(server.get('Secret', 'osm-system', 'osm-nginx-client-cert'), undefined, 'not published by the CA yet');

    secrets.secret = { type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=' } };
    const next = await writeBack.sync();
    assert.deepEqual(next.written, ['Secret/osm-system/osm-nginx-client-cert']);
    const issued = server.get('Secret', 'osm-system', 'osm-nginx-client-cert');
    assert.equal(issued?.type, 'kubernetes.io/tls');
    assert.deepEqual(issued?.data, secrets.secret.data);
    assert.deepEqual(issued?.metadata.labels, { 'app.kubernetes.io/managed-by': 'meshgate' });
    assert.ok(!JSON.stringify(captured.records).includes('a2V5'), 'no key material in the log');
  });

  it('writes nothing when nothing changed; a renewal and a conflict are written once', async () => {
    const patches = server.patches.length;
    assert.deepEqual((await writeBack.sync()).written, []);
    assert.equal(server.patches.length, patches, 'no request at all');

    secrets.secret = { type: 'kubernetes.io/tls', data: { 'tls.crt': 'cmVuZXdlZA==', 'tls.key': 'bmV3LWtleQ==', 'ca.crt': 'Y2E=' } };
    // `third` claims the backend `first` holds: OSM rejects the later one. The state's advance
    // starts a run; `sync()` waits for it and runs once more.
    server.apply(ingressBackend('third'));
    state.apply({ ...ingressBackend('third'), spec: ingressBackend('first').spec });
    await writeBack.sync();
    const written = server.patches.slice(patches).filter((patch) => patch.code < 300).map((patch) => patch.path);
    assert.deepEqual(written.sort(), ['/api/v1/namespaces/osm-system/secrets/osm-nginx-client-cert', '/apis/policy.openservicemesh.io/v1alpha1/namespaces/httpbin/ingressbackends/third/status']);
    assert.deepEqual(server.get('Secret', 'osm-system', 'osm-nginx-client-cert')?.data, secrets.secret.data);
    assert.deepEqual(server.get('IngressBackend', 'httpbin', 'third')?.status, {
      currentStatus: 'rejected',
      reason: 'conflicts with IngressBackend httpbin/first on backend httpbin:14001',
    });
  });

  it('retries a failed write with backoff until the apiserver is back', async () => {
    await server.down();
    state.apply({ ...GATEWAY, spec: { ...GATEWAY.spec as object, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } });
    const failed = await writeBack.sync();
    assert.ok(failed.failed.length > 0);
    await server.up();
    // No sync from here: the retry timer must run one (the test's timeout bounds the wait).
    const message = () => (server.get('VirtualService', 'istio-system', 'stray')?.status as { conditions: { message: string }[] }).conditions[0].message;
    for (let polls = 0; message().includes('match no HTTP server host'); polls++) {
      assert.ok(polls < 500, `no retry wrote the status: ${message()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Bound to the Gateway now, the VirtualService's routes are compiled: their warning replaces the old one.
    assert.equal(message(), 'warning: http[0]: destination httpbin.httpbin.svc.cluster.local matches no Service or ServiceEntry; its cluster has no endpoints (503)');
  });

  it('writes analysis messages as istiod does: IST0101 while a VirtualService names a missing Gateway, gone once it is fixed, one write per change', async () => {
    // The destination Service exists from now on: the only message left is the one under test.
    const httpbin = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { selector: { app: 'httpbin' }, ports: [{ port: 14001 }] } };
    const typo = virtualService('typo', 'httpbin.example.com');
    const typoSpec = { ...(typo.spec as object), gateways: ['missing-gateway'] };
    // A DestinationRule whose status another controller wrote: nothing to say about it, nothing taken from it.
    const rule: KubeObject = { apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { host: 'httpbin' } };
    const istiodStatus = { conditions: [{ type: 'Reconciled', status: 'True', message: '1/1 proxies up to date.' }] };
    server.apply({ ...typo, spec: typoSpec });
    server.apply({ ...rule, status: istiodStatus }, 'istiod');
    state.apply(httpbin, { ...typo, spec: typoSpec }, rule);
    await writeBack.sync();
    const broken = server.get('VirtualService', 'istio-system', 'typo');
    assert.deepEqual((broken?.status as { validationMessages?: unknown }).validationMessages, [validationMessage('ERROR', 'IST0101', 'ReferencedResourceNotFound')]);
    assert.deepEqual(statusOwners(broken), { kubectl: [], 'meshgate/status': ['f:conditions', 'f:validationMessages'] }, 'written by server-side apply of the manager meshgate, on the status subresource');
    const patch = server.patches.findLast((candidate) => candidate.path === '/apis/networking.istio.io/v1beta1/namespaces/istio-system/virtualservices/typo/status');
    assert.deepEqual(patch && { contentType: patch.contentType, fieldManager: patch.fieldManager, force: patch.force }, { contentType: 'application/apply-patch+yaml', fieldManager: 'meshgate', force: 'true' });
    assert.deepEqual(server.get('DestinationRule', 'httpbin', 'httpbin')?.status, istiodStatus);
    assert.equal((server.get('VirtualService', 'istio-system', 'bound')?.status as { validationMessages?: unknown }).validationMessages, undefined, 'its host resolves now: cleared');

    // The same state again: not one request.
    const patches = server.patches.length;
    state.apply(httpbin);
    await writeBack.sync();
    assert.equal(server.patches.length, patches);

    // Fixed: the entry goes (the apply leaves the field out), the condition stays.
    server.apply(typo);
    state.apply(typo);
    await writeBack.sync();
    const fixed = server.get('VirtualService', 'istio-system', 'typo');
    assert.equal((fixed?.status as { validationMessages?: unknown }).validationMessages, undefined);
    assert.deepEqual((fixed?.status as { conditions: unknown[] }).conditions, [{ type: 'Reconciled', status: 'True', reason: 'Compiled', message: 'compiled by meshgate' }]);
    assert.deepEqual(statusOwners(fixed)['meshgate/status'], ['f:conditions']);
    assert.deepEqual(server.patches.slice(patches).map((written) => written.path), ['/apis/networking.istio.io/v1beta1/namespaces/istio-system/virtualservices/typo/status']);
  });

  it("judges a Gateway's credential where its workload runs, as the analysis does: the Gateway in app, its proxy and Secret in istio-system", async () => {
    const appGateway: KubeObject = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'app-gateway', namespace: 'app' },
      spec: { selector: { istio: 'app-ingress' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['app.example.com'], tls: { mode: 'SIMPLE', credentialName: 'app-credential' } }] },
    };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-ingress-1', namespace: 'istio-system', labels: { istio: 'app-ingress' } }, spec: {} };
    const credential = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-credential', namespace: 'istio-system' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'certificate', 'tls.key': 'key' } };
    server.apply(appGateway);
    state.apply(appGateway, pod, credential);
    await writeBack.sync();
    const status = server.get('Gateway', 'app', 'app-gateway')?.status as { conditions: { status: string; message: string }[]; validationMessages?: { type: { code: string } }[] };
    assert.equal(status.conditions[0].status, 'True', status.conditions[0].message);
    assert.deepEqual(status.validationMessages?.map((message) => message.type.code), ['IST0162'], 'no IST0161: the credential resolves; only no Service exposes 443 for the workload');
  });
});

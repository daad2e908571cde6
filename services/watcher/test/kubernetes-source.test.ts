/**
 * The Kubernetes source on its own: the real client-node informers against the list/watch test
 * server, publishing to the in-process bus. What the messages look like, and that a restarted
 * source gives the same ids for the same observations (so JetStream drops them as duplicates).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InProcessBus, type ResourceChanged } from '@meshgate/bus';
import { FakeKubeApiServer } from '@meshgate/testkit';
import { isSealedSecret, SecretCipher } from '@meshgate/secrets';
import { backoffDelay, createKubernetesWatcher, KUBERNETES_RESOURCES, kubernetesChangeId, loadKubeConfig, objectsHeldFrom, SECRET_RESOURCE, type KubernetesSource } from '../src/index.js';
import { Inbox, TEST_TIMEOUT_MS, WARN, capturingLogger, tempDirectory } from './support.js';

describe('the Kubernetes source', { timeout: TEST_TIMEOUT_MS }, () => {
  const server = new FakeKubeApiServer(KUBERNETES_RESOURCES);
  let kubeconfig: string;

  before(async () => {
    await server.start();
    kubeconfig = server.writeKubeconfig();
    server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: { 'openservicemesh.io/monitored-by': 'osm' } } });
    server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    server.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'httpbin', namespace: 'httpbin', managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
      spec: { ports: [{ port: 14001 }] },
    });
  });

  after(async () => {
    await server.close();
  });

  async function run(meshName = 'osm'): Promise<{ source: KubernetesSource; inbox: Inbox<ResourceChanged>; bus: InProcessBus }> {
    const bus = new InProcessBus();
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
    const source = createKubernetesWatcher({ bus, kubeconfig, logger: capturingLogger().logger, meshName });
    await source.start();
    return { source, inbox, bus };
  }

  it('publishes the listed objects as manifests would read: kind and apiVersion restored, managedFields dropped', async () => {
    const { source, inbox, bus } = await run();
    const changes = await inbox.waitFor(2);
    await source.stop();
    await bus.close();
    assert.deepEqual(changes.map((change) => `${change.op} ${change.kind}/${change.namespace}/${change.name}`).sort(), ['apply Namespace//httpbin', 'apply Service/httpbin/httpbin']);
    const service = changes.find((change) => change.kind === 'Service');
    assert.ok(service);
    const object = service.object as { apiVersion: string; kind: string; metadata: Record<string, unknown> };
    assert.equal(object.apiVersion, 'v1');
    assert.equal(object.kind, 'Service');
    assert.equal(object.metadata.managedFields, undefined);
    assert.equal(service.source, `kubernetes:${server.url}`);
    assert.equal(service.id, kubernetesChangeId('apply', 'Service', 'httpbin', 'httpbin', String(object.metadata.resourceVersion)));
  });

  it('gives the same ids after a restart, and other ids once the object changes', async () => {
    const first = await run();
    const before = await first.inbox.waitFor(2);
    await first.source.stop();
    await first.bus.close();
    const second = await run();
    const again = await second.inbox.waitFor(2);
    assert.deepEqual(again.map((change) => change.id).sort(), before.map((change) => change.id).sort());
    server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'httpbin' }, spec: { ports: [{ port: 14002 }] } });
    const [, , changed] = await second.inbox.waitFor(3);
    await second.source.stop();
    await second.bus.close();
    assert.equal(changed.kind, 'Service');
    assert.ok(!before.some((change) => change.id === changed.id));
  });

  it('deletes what meshgate holds from this source and the first list lacks, and nothing of other sources', async () => {
    const bus = new InProcessBus();
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
    const asked: string[] = [];
    const held = async (source: string) => {
      asked.push(source);
      return [
        { kind: 'Service', namespace: 'httpbin', name: 'httpbin' },
        { kind: 'Service', namespace: 'httpbin', name: 'deleted-while-down' },
        { kind: 'Namespace', namespace: '', name: 'left-the-mesh' },
      ];
    };
    const source = createKubernetesWatcher({ bus, kubeconfig, logger: capturingLogger().logger, meshName: 'osm', held });
    await source.start();
    const changes = await inbox.waitFor(4);
    await source.stop();
    await bus.close();
    assert.deepEqual(asked, [`kubernetes:${server.url}`]);
    assert.deepEqual(changes.map((change) => `${change.op} ${change.kind}/${change.namespace}/${change.name}`).sort(), [
      'apply Namespace//httpbin',
      'apply Service/httpbin/httpbin',
      'delete Namespace//left-the-mesh',
      'delete Service/httpbin/deleted-while-down',
    ]);
  });

  it('follows only the Namespaces labelled for its mesh', async () => {
    const { source, inbox, bus } = await run('another-mesh');
    // The Service is followed whatever the Namespaces; no Namespace carries this mesh's label.
    const [change] = await inbox.waitFor(1);
    await source.stop();
    await bus.close();
    assert.equal(change.kind, 'Service');
    assert.equal(inbox.items.length, 1);
    assert.ok(server.requests.some((request) => decodeURIComponent(request.url).includes('labelSelector=openservicemesh.io/monitored-by=another-mesh')));
  });
});

describe('loading a kubeconfig', () => {
  it('refuses a KUBECONFIG list rather than picking one file of it', () => {
    assert.throws(() => loadKubeConfig({ kubeconfig: `/a/config${path.delimiter}/b/config` }), /lists several kubeconfig files/);
  });

  it('refuses a kubeconfig without a current cluster', () => {
    const temp = tempDirectory();
    try {
      const file = path.join(temp.directory, 'config');
      fs.writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      assert.throws(() => loadKubeConfig({ kubeconfig: file }), /no current context with a cluster/);
    } finally {
      temp.remove();
    }
  });
});

describe('what meshgate holds from a source', () => {
  const CLUSTER = 'kubernetes:https://127.0.0.1:6443';
  const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop', labels: {}, annotations: {} }, spec: { ports: [{ port: 80 }] } });
  const applied = (sequence: number, name: string, source: string) => ({ sequence, type: 'ResourceApplied', data: { object: service(name), digest: `d${sequence}`, source }, metadata: {} });
  const deleted = (sequence: number, name: string, source: string) => ({ sequence, type: 'ResourceDeleted', data: { ref: { kind: 'Service', namespace: 'shop', name }, source }, metadata: {} });

  it("is every object whose latest event is this source's apply, read page by page", async () => {
    const events = [
      applied(1, 'kept', CLUSTER),
      applied(2, 'taken-over', CLUSTER),
      applied(3, 'taken-over', 'api'),
      applied(4, 'gone', CLUSTER),
      deleted(5, 'gone', CLUSTER),
      applied(6, 'from-api', 'api'),
      applied(7, 'back', 'api'),
      applied(8, 'back', CLUSTER),
      { sequence: 9, type: 'CertificateIssued', data: {}, metadata: {} },
    ];
    // A page of 1,000 is full when exactly that many come back: 1,200 filler events make two pages.
    for (let sequence = 10; sequence < 1_210; sequence++) events.push({ sequence, type: 'TrustBundleChanged', data: {}, metadata: {} });
    const reads: number[] = [];
    const log = {
      readAfter: async (after: number, limit = 1_000) => {
        reads.push(after);
        return events.filter((event) => event.sequence > after).slice(0, limit);
      },
    };
    const held = await objectsHeldFrom(log, CLUSTER);
    assert.deepEqual(held.map((object) => `${object.kind}/${object.namespace}/${object.name}`).sort(), ['Service/shop/back', 'Service/shop/kept']);
    assert.deepEqual(reads, [0, 1_000]);
  });
});

describe('backoff with jitter', () => {
  it('doubles up to the cap and keeps half of each delay fixed', () => {
    assert.equal(backoffDelay(0, 500, 30_000, () => 0), 250);
    assert.equal(backoffDelay(0, 500, 30_000, () => 1), 500);
    assert.equal(backoffDelay(3, 500, 30_000, () => 0), 2_000);
    assert.equal(backoffDelay(20, 500, 30_000, () => 1), 30_000);
    assert.equal(backoffDelay(20, 500, 30_000, () => 0), 15_000);
  });
});

describe('the Kubernetes source and the cluster\'s Secrets', { timeout: TEST_TIMEOUT_MS }, () => {
  const server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  let kubeconfig: string;
  const data = { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'), 'tls.key': Buffer.from('-----BEGIN PRIVATE KEY-----\n').toString('base64') };

  before(async () => {
    await server.start();
    kubeconfig = server.writeKubeconfig();
    server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: { 'openservicemesh.io/monitored-by': 'osm' } } });
    server.apply({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'istio-system' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'cred' } }] },
    });
    for (const [namespace, name] of [['istio-system', 'cred'], ['istio-system', 'stale'], ['istio-system', 'other'], ['httpbin', 'app']]) {
      server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data });
    }
  });

  after(async () => {
    await server.close();
  });

  it('publishes the wanted Secrets sealed, and deletes held ones that vanished or are no longer wanted', async () => {
    const bus = new InProcessBus();
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
    const held = async () => [
      { kind: 'Secret', namespace: 'istio-system', name: 'stale' },
      { kind: 'Secret', namespace: 'istio-system', name: 'gone' },
    ];
    const source = createKubernetesWatcher({ bus, kubeconfig, logger: capturingLogger().logger, meshName: 'osm', held, cipher: new SecretCipher(randomBytes(32)) });
    await source.start();
    const changes = await inbox.waitFor(6);
    await source.idle();
    await source.stop();
    await bus.close();
    assert.equal(inbox.items.length, 6, 'istio-system/other (unreferenced, unmonitored) is not published');
    assert.deepEqual(changes.map((change) => `${change.op} ${change.kind}/${change.namespace}/${change.name}`).sort(), [
      'apply Gateway/istio-system/gw',
      'apply Namespace//httpbin',
      'apply Secret/httpbin/app',
      'apply Secret/istio-system/cred',
      'delete Secret/istio-system/gone',
      'delete Secret/istio-system/stale',
    ]);
    for (const change of changes.filter((candidate) => candidate.kind === 'Secret' && candidate.op === 'apply')) {
      assert.ok(isSealedSecret(change.object));
      assert.equal((change.object as { data?: unknown }).data, undefined);
    }
  });

  it('without the deployment key, follows no Secret and says so', async () => {
    const bus = new InProcessBus();
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
    const { logger, records } = capturingLogger();
    const mark = server.requests.length;
    const source = createKubernetesWatcher({ bus, kubeconfig, logger, meshName: 'osm' });
    await source.start();
    await source.idle();
    await source.stop();
    await bus.close();
    assert.deepEqual(inbox.items.map((change) => change.kind).sort(), ['Gateway', 'Namespace']);
    assert.ok(records.some((record) => record.level === WARN && record.msg.includes('Secrets are not followed')));
    assert.ok(!server.requests.slice(mark).some((request) => request.url.startsWith('/api/v1/secrets')), 'Secrets are not even listed');
  });
});

describe("a Gateway's credential, where its workload runs", { timeout: TEST_TIMEOUT_MS }, () => {
  const server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
  const data = { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'), 'tls.key': Buffer.from('-----BEGIN PRIVATE KEY-----\n').toString('base64') };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-ingress-1', namespace: 'istio-system', labels: { istio: 'app-ingress' } }, spec: { containers: [{ name: 'istio-proxy', image: 'proxyv2' }] } };

  before(async () => {
    await server.start();
    // The Gateway lives with the application; the proxy serving it (and so its credential) in istio-system.
    server.apply({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'app-gateway', namespace: 'app' },
      spec: { selector: { istio: 'app-ingress' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['app.example.com'], tls: { mode: 'SIMPLE', credentialName: 'app-credential' } }] },
    });
    server.apply(pod);
    for (const namespace of ['istio-system', 'app']) server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-credential', namespace }, type: 'kubernetes.io/tls', data });
  });

  after(async () => {
    await server.close();
  });

  it("takes the Secret of the gateway workload's namespace, not the Gateway's, and follows the workload", async () => {
    const bus = new InProcessBus();
    const inbox = new Inbox<ResourceChanged>();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
    const source = createKubernetesWatcher({ bus, kubeconfig: server.writeKubeconfig(), logger: capturingLogger().logger, meshName: 'osm', cipher: new SecretCipher(randomBytes(32)) });
    const secretChanges = () => inbox.items.filter((change) => change.kind === 'Secret').map((change) => `${change.op} ${change.namespace}/${change.name}`);
    try {
      await source.start();
      await source.idle();
      // Listed after the Pods and Gateways: the first list meets the interest they made, nothing taken and withdrawn.
      assert.deepEqual(secretChanges(), ['apply istio-system/app-credential']);

      // The workload gone, no proxy is known: the Gateway's own namespace stands in, as in `meshgate analyze`.
      server.delete('Pod', 'istio-system', 'app-ingress-1');
      await inbox.waitFor(inbox.items.length + 3);
      assert.deepEqual(secretChanges().slice(1).sort(), ['apply app/app-credential', 'delete istio-system/app-credential']);
      // Back, relabelled so that the selector no longer picks it: nothing moves.
      server.apply({ ...pod, metadata: { ...pod.metadata, labels: { istio: 'other' } } });
      server.apply({ ...pod, metadata: { ...pod.metadata, name: 'marker', namespace: 'elsewhere', labels: {} } });
      await inbox.waitFor(inbox.items.length + 2);
      await source.idle();
      assert.deepEqual(secretChanges().length, 3, secretChanges().join(', '));
    } finally {
      await source.stop();
      await bus.close();
    }
  });
});

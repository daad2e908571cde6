/**
 * The Kubernetes watcher end to end: the real @kubernetes/client-node informers in the real
 * watcher, inside `meshgate up --kubeconfig` (embedded: PGlite in memory, in-process bus, the
 * real api), against a local server speaking the Kubernetes list/watch protocol
 * (`FakeKubeApiServer` from @meshgate/testkit).
 *
 * Every step ends the same way: meshgate's objects equal the server's (the kinds the watcher
 * follows, Namespaces only where labelled for this mesh), and the event log holds no duplicate
 * (no stream has two consecutive applies of the same content, or two deletes in a row).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { FakeKubeApiServer, type KubeObject } from '@meshgate/testkit';
import { KUBERNETES_RESOURCES, SECRET_RESOURCE } from '@meshgate/watcher';
import { CLUSTER_OBJECTS } from '../src/kube-objects.js';
import { eventually, getJson } from '../src/rest.js';

interface ViewedObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

const WATCHED_KINDS = new Set(KUBERNETES_RESOURCES.map((resource) => resource.kind));
const MONITORED_BY = 'openservicemesh.io/monitored-by';

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** What meshgate should hold: every followed object, as `key → labels`. */
function expectedFrom(server: FakeKubeApiServer): Map<string, string> {
  const expected = new Map<string, string>();
  for (const object of server.list()) {
    if (!WATCHED_KINDS.has(object.kind ?? '')) continue;
    if (object.kind === 'Namespace' && object.metadata.labels?.[MONITORED_BY] !== 'osm') continue;
    expected.set(keyOf(object.kind ?? '', object.metadata.namespace, object.metadata.name), JSON.stringify(object.metadata.labels ?? {}));
  }
  return expected;
}

describe('the Kubernetes watcher, from a list/watch server to the event log', { timeout: 120_000 }, () => {
  let server: FakeKubeApiServer;
  let meshgate: RunningMeshgate;

  async function meshgateObjects(): Promise<Map<string, string>> {
    const { status, body } = await getJson<{ items: ViewedObject[] }>(`${meshgate.apiUrl}/v1/resources`, meshgate.apiToken);
    assert.equal(status, 200);
    return new Map(body.items.map((object) => [keyOf(object.kind, object.metadata.namespace || undefined, object.metadata.name), JSON.stringify(object.metadata.labels ?? {})]));
  }

  /** Waits until meshgate holds exactly what the server holds, then checks the log for duplicates. */
  async function converged(step: string): Promise<void> {
    let last: Map<string, string> | undefined;
    try {
      await eventually(`meshgate to equal the server after ${step}`, async () => {
        last = await meshgateObjects();
        const expected = expectedFrom(server);
        return last.size === expected.size && [...expected].every(([key, labels]) => last?.get(key) === labels) ? true : undefined;
      });
    } catch (error) {
      assert.deepEqual(Object.fromEntries([...(last ?? new Map<string, string>())].sort()), Object.fromEntries([...expectedFrom(server)].sort()), String(error));
    }
    await assertNoDuplicateEvents();
  }

  async function assertNoDuplicateEvents(): Promise<void> {
    const events = await meshgate.infra.store.readAfter(0, 100_000);
    const last = new Map<string, string>();
    for (const event of events) {
      const data = event.data as { digest?: string };
      const step = event.type === 'ResourceApplied' ? `apply ${data.digest}` : event.type;
      assert.notEqual(last.get(event.streamId), step, `duplicate ${event.type} in ${event.streamId} at sequence ${event.sequence}`);
      last.set(event.streamId, step);
    }
  }

  function relabel(kind: string, namespace: string | undefined, name: string, labels: Record<string, string>): void {
    const object = server.list().find((candidate) => candidate.kind === kind && candidate.metadata.name === name && candidate.metadata.namespace === namespace);
    assert.ok(object, `${kind} ${namespace}/${name} exists on the server`);
    server.apply({ ...object, metadata: { ...object.metadata, labels } } satisfies KubeObject);
  }

  before(async () => {
    server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
    await server.start();
    for (const object of CLUSTER_OBJECTS) server.apply(object);
    meshgate = await startMeshgate({
      memory: true,
      logLevel: 'warn',
      overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0, manifestsDir: undefined, kubeconfig: server.writeKubeconfig() },
    });
  });

  after(async () => {
    await meshgate?.stop();
    await server?.close();
  });

  it('publishes the initial list: every kind, only the Namespaces labelled for this mesh', async () => {
    await converged('the initial list');
    const objects = await meshgateObjects();
    for (const kind of WATCHED_KINDS) assert.ok([...objects.keys()].some((key) => key.startsWith(`${kind}/`)), `a ${kind} reached meshgate`);
    assert.equal(objects.has('Namespace//elsewhere'), false, 'a Namespace of another mesh is not followed');
    assert.ok(server.requests.some((request) => request.url.includes('allowWatchBookmarks=true')), 'watches ask for bookmarks');
  });

  it('follows changes: an update, a delete, a create, a Namespace leaving and joining the mesh', async () => {
    relabel('Service', 'httpbin', 'httpbin', { rev: '2' });
    server.delete('VirtualService', 'istio-system', 'httpbin');
    server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'httpbin' }, spec: { ports: [{ name: 'grpc', port: 50051 }] } });
    relabel('Namespace', undefined, 'ingress-nginx', { [MONITORED_BY]: 'another-mesh' });
    relabel('Namespace', undefined, 'elsewhere', { [MONITORED_BY]: 'osm' });
    await converged('changes');
    const objects = await meshgateObjects();
    assert.equal(objects.has('Namespace//ingress-nginx'), false, 'a Namespace whose label no longer matches is deleted');
    assert.equal(objects.has('Namespace//elsewhere'), true);
  });

  it('resumes after watches are dropped mid-stream, without losing the change made meanwhile', async () => {
    server.bookmark();
    server.dropWatches();
    relabel('Gateway', 'istio-system', 'httpbin-gateway', { rev: '2' });
    server.delete('Service', 'httpbin', 'echo');
    await converged('dropped watches');
  });

  it('after a 410 Gone, relists and deletes what vanished while the watch was down', async () => {
    await server.down();
    server.delete('Endpoints', 'httpbin', 'httpbin');
    server.delete('Ingress', 'httpbin', 'httpbin');
    relabel('Service', 'httpbin', 'httpbin', { rev: '3' });
    server.compact();
    const mark = server.requests.length;
    await server.up();
    await converged('410 Gone');
    const relisted = server.requests.slice(mark).filter((request) => request.url.startsWith('/api/v1/endpoints?') && !request.url.includes('watch='));
    assert.ok(relisted.length > 0, 'the endpoints were listed again after the 410');
    const objects = await meshgateObjects();
    assert.equal(objects.has('Endpoints/httpbin/httpbin'), false);
    assert.equal(objects.has('Ingress/httpbin/httpbin'), false);
  });

  it('relists on an HTTP 410 answer to a watch request as well', async () => {
    server.failNextWatchWithGone();
    server.dropWatches();
    relabel('DestinationRule', 'httpbin', 'httpbin', { rev: '2' });
    await converged('an HTTP 410');
  });

  it('catches up after the apiserver was down for a while', async () => {
    await server.down();
    server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'httpbin' }, spec: { ports: [{ name: 'http', port: 8080 }] } });
    server.delete('Pod', 'httpbin', 'httpbin-0');
    relabel('IngressBackend', 'httpbin', 'httpbin', { rev: '2' });
    // Long enough for every informer to fail and back off at least twice.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await server.up();
    await converged('the apiserver being down');
  });
});

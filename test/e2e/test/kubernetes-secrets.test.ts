/**
 * The cluster's Secrets through the Kubernetes watcher: `meshgate up --kubeconfig` with its
 * event log in PGlite and its bus on a real NATS JetStream stream of its own, against the
 * list/watch test server.
 *
 * Taken: a Secret a Gateway names (and only once something names it), a Secret of a monitored
 * namespace. Not taken: an unnamed Secret of an unmonitored namespace, a Secret meshgate wrote
 * back. Created, rotated, deleted in the cluster → the same in meshgate (digests in
 * `/v1/resources`, bytes in `/v1/secrets`). And the stream's raw messages never hold the values
 * (PEM text or its base64), kubectl's last-applied copy included.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, NatsError } from 'nats';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { FakeKubeApiServer, natsUrl, opensslCa, opensslLeaf, uniqueName, type KubeObject, type PemPair } from '@meshgate/testkit';
import { KUBERNETES_RESOURCES, MANAGED_BY_LABELS, SECRET_RESOURCE } from '@meshgate/watcher';
import { eventually, getJson } from '../src/rest.js';

const STREAM_NOT_FOUND = 10059;
const MONITORED_BY = 'openservicemesh.io/monitored-by';

interface SecretView {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  data: Record<string, { sha256: string; bytes: number }>;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function tlsSecret(namespace: string, name: string, pair: PemPair, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, ...extra }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(pair.certPem), 'tls.key': b64(pair.keyPem) } };
}

function gateway(name: string, credentialName: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name, namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['httpbin.example.com'], tls: { mode: 'SIMPLE', credentialName } }] },
  };
}

describe('the cluster\'s Secrets, sealed over NATS JetStream', { timeout: 120_000 }, () => {
  let server: FakeKubeApiServer;
  let meshgate: RunningMeshgate;
  let url: string;
  const stream = uniqueName('MG_E2E_KSECRETS');
  const scope = uniqueName('mgksecrets');
  const ca = opensslCa();
  const first = opensslLeaf(ca, 'httpbin.example.com', 1);
  const rotated = opensslLeaf(ca, 'httpbin.example.com', 2);
  const unrelated = opensslLeaf(ca, 'unrelated.example.com', 3);
  const appConfig = 'password=hunter2-not-for-the-bus';
  /** Every value that must never appear on the stream, as text and as the apiserver's base64. */
  const values = [first.certPem, first.keyPem, rotated.certPem, rotated.keyPem, unrelated.keyPem, appConfig];

  async function secretView(namespace: string, name: string): Promise<{ status: number; body: SecretView }> {
    return getJson<SecretView>(`${meshgate.apiUrl}/v1/resources/secrets/${namespace}/${name}`, meshgate.apiToken);
  }

  async function secretBytes(namespace: string, name: string): Promise<Record<string, string>> {
    const { status, body } = await getJson<{ data: Record<string, string> }>(`${meshgate.apiUrl}/v1/secrets/${namespace}/${name}`, meshgate.apiToken);
    assert.equal(status, 200);
    return Object.fromEntries(Object.entries(body.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  }

  /** Waits until meshgate holds the Secret with this certificate. */
  async function holds(namespace: string, name: string, certPem: string): Promise<SecretView> {
    return eventually(`${namespace}/${name} in meshgate with the expected certificate`, async () => {
      const { status, body } = await secretView(namespace, name);
      return status === 200 && body.data['tls.crt']?.sha256 === sha256(certPem) ? body : undefined;
    });
  }

  async function gone(namespace: string, name: string): Promise<void> {
    await eventually(`${namespace}/${name} gone from meshgate`, async () => ((await secretView(namespace, name)).status === 404 ? true : undefined));
  }

  /** Every message the stream holds, raw. */
  async function streamMessages(): Promise<Buffer[]> {
    const nc = await connect({ servers: url, name: 'meshgate-e2e-ksecrets-reader' });
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(stream);
      const messages: Buffer[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        messages.push(Buffer.from((await jsm.streams.getMessage(stream, { seq })).data));
      }
      return messages;
    } finally {
      await nc.close();
    }
  }

  before(async () => {
    url = await natsUrl();
    server = new FakeKubeApiServer([...KUBERNETES_RESOURCES, SECRET_RESOURCE]);
    await server.start();
    server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'httpbin', labels: { [MONITORED_BY]: 'osm' } } });
    server.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
    server.apply(gateway('httpbin-gateway', 'httpbin-credential'));
    // As `kubectl apply` leaves it: the whole manifest, values included, in an annotation.
    const referenced = tlsSecret('istio-system', 'httpbin-credential', first);
    server.apply({ ...referenced, metadata: { ...referenced.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(referenced) } } });
    server.apply(tlsSecret('istio-system', 'unrelated-credential', unrelated));
    server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-config', namespace: 'httpbin' }, type: 'Opaque', data: { 'app.properties': b64(appConfig) } });
    // What the write-back writes: meshgate's own, labelled and applied by the field manager meshgate.
    server.apply(tlsSecret('httpbin', 'written-back', opensslLeaf(ca, 'ingress-nginx.ingress-nginx.cluster.local', 4), { labels: MANAGED_BY_LABELS }), 'meshgate');
    meshgate = await startMeshgate({
      memory: true,
      logLevel: 'warn',
      overrides: {
        apiHost: '127.0.0.1',
        apiPort: 0,
        grpcPort: 0,
        xdsHost: '127.0.0.1',
        xdsPort: 0,
        xdsSecurePort: 0,
        manifestsDir: undefined,
        kubeconfig: server.writeKubeconfig(),
        kubernetesWriteBack: false,
        natsUrl: url,
        nats: { stream, subjectPrefix: `${scope}.changes`, doorbellSubject: `${scope}.events` },
      },
    });
  });

  after(async () => {
    await meshgate?.stop();
    await server?.close();
    const admin = await connect({ servers: url, name: 'meshgate-e2e-ksecrets-admin' });
    try {
      await (await admin.jetstreamManager()).streams.delete(stream);
    } catch (error) {
      if (!(error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND)) throw error;
    } finally {
      await admin.close();
    }
  });

  it('takes the referenced Secret and the monitored namespace\'s, digests in the resources and bytes behind ca-admin', async () => {
    const view = await holds('istio-system', 'httpbin-credential', first.certPem);
    assert.deepEqual(Object.keys(view.data).sort(), ['tls.crt', 'tls.key']);
    assert.equal(view.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined, 'kubectl\'s copy of the values is dropped');
    assert.deepEqual(await secretBytes('istio-system', 'httpbin-credential'), { 'tls.crt': first.certPem, 'tls.key': first.keyPem });
    await eventually('httpbin/app-config in meshgate', async () => ((await secretView('httpbin', 'app-config')).status === 200 ? true : undefined));
    assert.deepEqual(await secretBytes('httpbin', 'app-config'), { 'app.properties': appConfig });
  });

  it('does not take an unreferenced Secret of an unmonitored namespace, nor one meshgate wrote back', async () => {
    // The Gateway and its Secret are in; the log holds no event about the other two.
    await holds('istio-system', 'httpbin-credential', first.certPem);
    assert.equal((await secretView('istio-system', 'unrelated-credential')).status, 404);
    assert.equal((await secretView('httpbin', 'written-back')).status, 404);
    const streams = (await meshgate.infra.store.readAfter(0, 100_000)).filter((event) => event.type === 'ResourceApplied').map((event) => event.streamId);
    assert.ok(!streams.some((id) => id.endsWith('/unrelated-credential') || id.endsWith('/written-back')), streams.join(', '));
  });

  it('rotates, follows a new reference and its removal, and deletes', async () => {
    server.apply(tlsSecret('istio-system', 'httpbin-credential', rotated));
    await holds('istio-system', 'httpbin-credential', rotated.certPem);
    assert.deepEqual(await secretBytes('istio-system', 'httpbin-credential'), { 'tls.crt': rotated.certPem, 'tls.key': rotated.keyPem });

    // Listed long ago, wanted from the moment a Gateway names it; unwanted once it no longer does.
    server.apply(gateway('unrelated-gateway', 'unrelated-credential'));
    await holds('istio-system', 'unrelated-credential', unrelated.certPem);
    server.delete('Gateway', 'istio-system', 'unrelated-gateway');
    await gone('istio-system', 'unrelated-credential');

    server.delete('Secret', 'istio-system', 'httpbin-credential');
    await gone('istio-system', 'httpbin-credential');
  });

  it('never puts a value on the stream, as text or as base64', async () => {
    const messages = await streamMessages();
    const secretMessages = messages.filter((message) => message.includes('"kind":"Secret"'));
    assert.ok(secretMessages.length >= 5, `the Secrets' changes went through the stream (${secretMessages.length})`);
    assert.ok(secretMessages.some((message) => message.includes('"sealed":"aes-256-gcm:v1:')), 'the values travel sealed');
    for (const value of values) {
      const needles = [value, b64(value), JSON.stringify(value).slice(1, -1), JSON.stringify(b64(value)).slice(1, -1)];
      for (const message of messages) for (const needle of needles) assert.ok(!message.includes(needle), 'a message holds a secret value');
    }
    // The PEM's body, whatever the framing: no line of the key's base64 appears either.
    const keyLine = first.keyPem.split('\n')[1];
    assert.ok(keyLine.length > 20 && !messages.some((message) => message.includes(keyLine)));
  });
});

/**
 * A state-of-the-world stream that reconnects is not resent what it already holds, over real
 * gRPC with a hand-driven client: the versions it ACKed on its previous stream resume it (the
 * `resume` event, nothing written), the next change reaches it as a diff; a stale or unknown
 * version, or a name its previous stream never ACKed, is answered; a partial type whose own names
 * did not change while the proxy was away resumes although the type's version moved.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { decodeResource } from '@meshgate/envoy-proto';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { appendAndFollow, appliedEvents } from './support/log.js';
import { ack, openAdsStream, type AdsTestStream, type Response } from './support/ads-client.js';

let store: EventStore;
let bus: InProcessBus;
let xds: XdsService;
const registry = new Registry();

async function applyYaml(yaml: string): Promise<void> {
  await appendAndFollow({ store, bus, xds }, appliedEvents(yaml));
}

const service = (name: string, port: number) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: demo}
spec:
  ports: [{name: grpc, port: ${port}}]
`;
const slice = (name: string, port: number, ip: string) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-x, namespace: demo, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
endpoints: [{addresses: ["${ip}"], conditions: {ready: true}}]
ports: [{name: grpc, port: ${port}, protocol: TCP}]
`;

const open = (id: string) => openAdsStream(xds.port, { id, client: 'grpc', namespace: 'demo' });
/** The names of a response's resources (a ClusterLoadAssignment's is its cluster_name). */
const namesOf = (response: Response) =>
  response.resources
    .map((r) => decodeResource(response.type_url, r.value) as { name?: string; cluster_name?: string })
    .map((resource) => String(resource.name ?? resource.cluster_name))
    .sort();

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  xds = new XdsService({ store, bus, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), registry, compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0 });
  await applyYaml(service('alpha', 7070) + '---\n' + service('beta', 7071) + '---\n' + slice('alpha', 7070, '10.0.0.1') + '---\n' + slice('beta', 7071, '10.0.0.2'));
  await xds.start();
});

after(async () => {
  await xds.stop();
  await bus.close();
  await store.close();
});

const CLUSTERS = ['outbound|7070||alpha.demo.svc.cluster.local', 'outbound|7071||beta.demo.svc.cluster.local'];
const LISTENERS = ['alpha.demo.svc.cluster.local:7070', 'beta.demo.svc.cluster.local:7071'];
/** What an Envoy-like proxy subscribes to: clusters and listeners by wildcard, endpoints and routes by name. */
const SUBSCRIPTIONS: [type: string, names: string[]][] = [
  [TYPE_URL.cluster, []],
  [TYPE_URL.endpoint, CLUSTERS],
  [TYPE_URL.listener, []],
  [TYPE_URL.route, LISTENERS],
];

/** Subscribes to each type in turn and ACKs its answer; the answers by type. */
async function subscribeAndAck(stream: AdsTestStream, subscriptions: [string, string[]][]): Promise<Map<string, Response>> {
  const answers = new Map<string, Response>();
  for (const [typeUrl, names] of subscriptions) {
    stream.send({ type_url: typeUrl, resource_names: names });
    const response = await stream.next();
    assert.equal(response.type_url, typeUrl);
    ack(stream, response, names);
    answers.set(typeUrl, response);
  }
  return answers;
}

/** Resolves with the next `count` resume events of proxy `id`, as [type, version]; rejects if they do not come within 10 s. */
function resumesOf(id: string, count: number): Promise<[string, string][]> {
  const seen: [string, string][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      xds.ads.off('resume', listener);
      reject(new Error(`${id} resumed ${JSON.stringify(seen)}, not ${count} types`));
    }, 10_000);
    const listener = (proxy: string, typeUrl: string, version: string) => {
      if (proxy !== id) return;
      seen.push([typeUrl, version]);
      if (seen.length < count) return;
      clearTimeout(timer);
      xds.ads.off('resume', listener);
      resolve(seen);
    };
    xds.ads.on('resume', listener);
  });
}

type Status = ReturnType<XdsService['proxies']>[number];

async function waitForStatus(id: string, accept: (s: Status | undefined) => boolean): Promise<Status | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = xds.proxies().find((p) => p.id === id);
    if (accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`proxy ${id} never reached the expected status: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Closes the stream and waits until the server saw it leave: the next stream of the id is a reconnect. */
async function disconnect(stream: AdsTestStream, id: string): Promise<void> {
  stream.close();
  await waitForStatus(id, (s) => s === undefined);
}

async function resumedCount(type: string): Promise<number> {
  const metric = await registry.getSingleMetric('meshgate_xds_resumed_total')?.get();
  return metric?.values.find((v) => v.labels.type === type)?.value ?? 0;
}

test('a reconnecting proxy sent the versions it ACKed is sent nothing; the next change reaches it as a diff', async () => {
  const first = open('resume-a');
  const held = await subscribeAndAck(first, SUBSCRIPTIONS);
  await waitForStatus('resume-a', (s) => Object.values(s?.types ?? {}).filter((t) => t.synced).length === 4);
  await disconnect(first, 'resume-a');
  const endpointsBefore = await resumedCount('ClusterLoadAssignment');

  const second = open('resume-a');
  const resumes = resumesOf('resume-a', 4);
  for (const [typeUrl, names] of SUBSCRIPTIONS) second.send({ type_url: typeUrl, resource_names: names, version_info: held.get(typeUrl)?.version_info });
  assert.deepEqual(
    (await resumes).sort(),
    SUBSCRIPTIONS.map(([typeUrl]) => [typeUrl, held.get(typeUrl)?.version_info]).sort(),
  );
  const status = await waitForStatus('resume-a', (s) => s !== undefined);
  for (const [typeUrl] of SUBSCRIPTIONS) {
    const type = status?.types[typeUrl.slice(typeUrl.lastIndexOf('.') + 1)];
    assert.equal(type?.ackedVersion, held.get(typeUrl)?.version_info, typeUrl);
    assert.equal(type?.synced, true, typeUrl);
  }
  assert.equal(await resumedCount('ClusterLoadAssignment'), endpointsBefore + 1);

  // One endpoint moves: the first thing the resumed stream receives is that one assignment (a
  // resend of what it held would come first on this ordered stream).
  await applyYaml(slice('alpha', 7070, '10.0.0.9'));
  const change = await second.next();
  assert.equal(change.type_url, TYPE_URL.endpoint);
  assert.deepEqual(namesOf(change), [CLUSTERS[0]]);
  assert.notEqual(change.version_info, held.get(TYPE_URL.endpoint)?.version_info);
  ack(second, change, CLUSTERS);
  await waitForStatus('resume-a', (s) => s?.types.ClusterLoadAssignment.ackedVersion === change.version_info);
  await disconnect(second, 'resume-a');

  // Back with the version from before the change, and an unknown one: both answered in full.
  const third = open('resume-a');
  third.send({ type_url: TYPE_URL.endpoint, resource_names: CLUSTERS, version_info: held.get(TYPE_URL.endpoint)?.version_info });
  const stale = await third.next();
  assert.equal(stale.type_url, TYPE_URL.endpoint);
  assert.deepEqual(namesOf(stale), CLUSTERS);
  assert.equal(stale.version_info, change.version_info);
  third.send({ type_url: TYPE_URL.cluster, resource_names: [], version_info: 'not-a-version' });
  const unknown = await third.next();
  assert.equal(unknown.type_url, TYPE_URL.cluster);
  assert.deepEqual(namesOf(unknown), CLUSTERS);
  third.close();
});

test('a name the previous stream never ACKed is answered; after a resume, new names are answered alone and a nonce never sent is stale', async () => {
  const [alpha, beta] = LISTENERS;
  const first = open('resume-b');
  const held = (await subscribeAndAck(first, [[TYPE_URL.route, [alpha]]])).get(TYPE_URL.route);
  assert.ok(held);
  await waitForStatus('resume-b', (s) => s?.types.RouteConfiguration?.synced === true);
  await disconnect(first, 'resume-b');

  // beta was subscribed while away: the version says nothing of it, so all is answered.
  const second = open('resume-b');
  second.send({ type_url: TYPE_URL.route, resource_names: [alpha, beta], version_info: held.version_info });
  const answered = await second.next();
  assert.deepEqual(namesOf(answered), [alpha, beta]);
  assert.equal(answered.version_info, held.version_info);
  ack(second, answered, [alpha, beta]);
  await waitForStatus('resume-b', (s) => s?.types.RouteConfiguration?.ackedVersion === answered.version_info);
  await disconnect(second, 'resume-b');

  // Now it holds both: asking for alpha alone resumes.
  const third = open('resume-b');
  const resumed = resumesOf('resume-b', 1);
  third.send({ type_url: TYPE_URL.route, resource_names: [alpha], version_info: held.version_info });
  assert.deepEqual(await resumed, [[TYPE_URL.route, held.version_info]]);
  // An ACK of a response this stream was never sent is ignored; then beta, still without a
  // nonce, is answered with beta alone (the stale request, were it answered, would come first).
  third.send({ type_url: TYPE_URL.route, resource_names: [alpha], version_info: held.version_info, response_nonce: held.nonce });
  third.send({ type_url: TYPE_URL.route, resource_names: [alpha, beta], version_info: held.version_info });
  const added = await third.next();
  assert.deepEqual(namesOf(added), [beta]);
  assert.equal(added.version_info, held.version_info);
  ack(third, added, [alpha, beta]);
  const status = await waitForStatus('resume-b', (s) => s?.types.RouteConfiguration?.sentVersion === added.version_info && s.types.RouteConfiguration.synced);
  assert.deepEqual(status?.types.RouteConfiguration.subscribed, [alpha, beta]);
  third.close();
});

test('a proxy new to this process (as after a restart) resumes its wildcard subscriptions; its named ones are answered', async () => {
  const probe = open('resume-probe');
  const current = await subscribeAndAck(probe, SUBSCRIPTIONS);
  probe.close();

  const stream = open('resume-c');
  const resumed = resumesOf('resume-c', 2);
  for (const [typeUrl, names] of SUBSCRIPTIONS) stream.send({ type_url: typeUrl, resource_names: names, version_info: current.get(typeUrl)?.version_info });
  assert.deepEqual((await resumed).sort(), [
    [TYPE_URL.cluster, current.get(TYPE_URL.cluster)?.version_info],
    [TYPE_URL.listener, current.get(TYPE_URL.listener)?.version_info],
  ].sort());
  const answers = new Map((await Promise.all([stream.next(), stream.next()])).map((response) => [response.type_url, response]));
  assert.deepEqual([...answers.keys()].sort(), [TYPE_URL.endpoint, TYPE_URL.route].sort());
  assert.deepEqual(namesOf(answers.get(TYPE_URL.endpoint)!), CLUSTERS);
  assert.deepEqual(namesOf(answers.get(TYPE_URL.route)!), LISTENERS);
  stream.close();
});

test('a proxy whose new stream comes before the server saw the old one leave resumes from the old one', async () => {
  const old = open('resume-d');
  const held = (await subscribeAndAck(old, [[TYPE_URL.endpoint, CLUSTERS]])).get(TYPE_URL.endpoint);
  await waitForStatus('resume-d', (s) => s?.types.ClusterLoadAssignment?.synced === true);

  const fresh = open('resume-d');
  const resumed = resumesOf('resume-d', 1);
  fresh.send({ type_url: TYPE_URL.endpoint, resource_names: CLUSTERS, version_info: held?.version_info });
  assert.deepEqual(await resumed, [[TYPE_URL.endpoint, held?.version_info]]);
  old.close();
  fresh.close();
});

test('a partial type resumes when only other names changed while the proxy was away: what counts is the content of its own names', async () => {
  const beta = CLUSTERS[1];
  const first = open('resume-e');
  const version = (await subscribeAndAck(first, [[TYPE_URL.endpoint, [beta]]])).get(TYPE_URL.endpoint)?.version_info;
  await waitForStatus('resume-e', (s) => s?.types.ClusterLoadAssignment?.synced === true);
  await disconnect(first, 'resume-e');

  // alpha's endpoints move while it is away: the type's version moves, beta's assignment does not.
  await applyYaml(slice('alpha', 7070, '10.0.0.7'));
  const second = open('resume-e');
  const resumed = resumesOf('resume-e', 1);
  second.send({ type_url: TYPE_URL.endpoint, resource_names: [beta], version_info: version });
  const [[type, now]] = await resumed;
  assert.equal(type, TYPE_URL.endpoint);
  assert.notEqual(now, version, 'resumed at the current version');
  // Its own endpoints move next: that assignment is the first thing the resumed stream receives.
  await applyYaml(slice('beta', 7071, '10.0.0.8'));
  const change = await second.next();
  assert.equal(change.type_url, TYPE_URL.endpoint);
  assert.deepEqual(namesOf(change), [beta]);
  ack(second, change, [beta]);
  await waitForStatus('resume-e', (s) => s?.types.ClusterLoadAssignment?.ackedVersion === change.version_info);
  await disconnect(second, 'resume-e');

  // Away again, and beta itself changes: the version it held no longer says what beta is, so beta is sent.
  await applyYaml(slice('beta', 7071, '10.0.0.9'));
  const third = open('resume-e');
  third.send({ type_url: TYPE_URL.endpoint, resource_names: [beta], version_info: change.version_info });
  const answered = await third.next();
  assert.deepEqual(namesOf(answered), [beta]);
  assert.notEqual(answered.version_info, change.version_info);
  third.close();
});

/**
 * The ADS server over a real gRPC stream, with a hand-driven client so that ACKs and NACKs are
 * exact: versions, nonces, NACK bookkeeping (no resend loop, error visible in proxy status) and
 * pushes when the log advances.
 */
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { appendAndFollow, appliedEvents } from './support/log.js';

interface Response {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: { type_url: string; value: Buffer }[];
}

let store: EventStore;
let bus: InProcessBus;
let xds: XdsService;

function applyYaml(yaml: string): Promise<number> {
  return appendAndFollow({ store, bus, xds }, appliedEvents(yaml));
}

function service(name: string, port: number, labels = '{}'): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: demo, labels: ${labels}}
spec:
  ports: [{name: grpc, port: ${port}}]
`;
}

/** A raw ADS stream whose responses are read one at a time, in order. */
function openStream(nodeId: string) {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const Client = definition.envoy.service.discovery.v3.AggregatedDiscoveryService;
  const client = new Client(`127.0.0.1:${xds.port}`, grpc.credentials.createInsecure());
  const stream = client.StreamAggregatedResources() as grpc.ClientDuplexStream<Record<string, unknown>, Response>;
  const queue: Response[] = [];
  const waiters: ((r: Response) => void)[] = [];
  stream.on('data', (r: Response) => {
    const waiter = waiters.shift();
    if (waiter) waiter(r);
    else queue.push(r);
  });
  stream.on('error', () => undefined);
  const node = { id: nodeId, metadata: { fields: { CLIENT: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'demo' } } } };
  let first = true;
  return {
    send(request: Record<string, unknown>) {
      stream.write(first ? { ...request, node } : request);
      first = false;
    },
    next(): Promise<Response> {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      stream.end();
      client.close();
    },
  };
}

function listenerNames(response: Response): string[] {
  return response.resources.map((r) => String(decodeResource(TYPE_URL.listener, r.value).name)).sort();
}

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  xds = new XdsService({ store, bus, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), registry: new Registry(), compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0 });
  await applyYaml(service('alpha', 7070));
  await xds.start();
});

after(async () => {
  await xds.stop();
  await bus.close();
  await store.close();
});

test('versions are content hashes; an ACK is recorded and not answered; a NACKed version is not resent', async () => {
  const stream = openStream('raw-1');
  stream.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const first = await stream.next();
  assert.equal(first.type_url, TYPE_URL.listener);
  assert.deepEqual(listenerNames(first), ['alpha.demo.svc.cluster.local:7070']);
  assert.match(first.version_info, /^[0-9a-f]{16}$/);

  // ACK: recorded, synced, and no response to it.
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: first.version_info, response_nonce: first.nonce });
  await waitForStatus('raw-1', (s) => s.types.Listener?.ackedVersion === first.version_info);
  assert.equal(xds.proxies().find((p) => p.id === 'raw-1')?.types.Listener.synced, true);

  // A change: a second service → a new listener set, a new version.
  await applyYaml(service('beta', 7071));
  const second = await stream.next();
  assert.deepEqual(listenerNames(second), ['alpha.demo.svc.cluster.local:7070', 'beta.demo.svc.cluster.local:7071']);
  assert.notEqual(second.version_info, first.version_info);

  // NACK it: the error shows in the proxy status, the last good version stays ACKed.
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: first.version_info, response_nonce: second.nonce, error_detail: { code: 3, message: 'listener beta rejected' } });
  const nacked = await waitForStatus('raw-1', (s) => s.types.Listener?.nack !== null);
  assert.equal(nacked.types.Listener.nack?.message, 'listener beta rejected');
  assert.equal(nacked.types.Listener.nack?.version, second.version_info);
  assert.equal(nacked.types.Listener.ackedVersion, first.version_info);

  // Unrelated log activity does not resend the NACKed version; the next listener response is
  // the next real change (a resend would arrive first on this ordered stream).
  await applyYaml(service('alpha', 7070, '{touched: "yes"}'));
  await applyYaml(service('gamma', 7072));
  const third = await stream.next();
  assert.equal(third.type_url, TYPE_URL.listener);
  assert.notEqual(third.version_info, second.version_info, 'the NACKed version was sent again');
  assert.deepEqual(listenerNames(third), ['alpha.demo.svc.cluster.local:7070', 'beta.demo.svc.cluster.local:7071', 'gamma.demo.svc.cluster.local:7072']);

  // A stale nonce is ignored: ACKing the NACKed response's nonce now changes nothing.
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: second.version_info, response_nonce: second.nonce });
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: third.version_info, response_nonce: third.nonce });
  const acked = await waitForStatus('raw-1', (s) => s.types.Listener?.ackedVersion === third.version_info);
  assert.equal(acked.types.Listener.nack, null);
  stream.close();
});

test('a second proxy of the same kind gets the same versions (shared compile, content hashes)', async () => {
  const one = openStream('raw-2');
  const two = openStream('raw-3');
  one.send({ type_url: TYPE_URL.listener, resource_names: [] });
  two.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const [a, b] = await Promise.all([one.next(), two.next()]);
  assert.equal(a.version_info, b.version_info);
  assert.deepEqual(listenerNames(a), listenerNames(b));
  one.close();
  two.close();
});

function routeNames(response: Response): string[] {
  return response.resources.map((r) => String(decodeResource(TYPE_URL.route, r.value).name)).sort();
}

test('named subscriptions get exactly the names asked for; a change of names is answered with the names added (partial RDS)', async () => {
  const stream = openStream('raw-4');
  stream.send({ type_url: TYPE_URL.route, resource_names: ['alpha.demo.svc.cluster.local:7070'] });
  const first = await stream.next();
  assert.deepEqual(routeNames(first), ['alpha.demo.svc.cluster.local:7070']);
  stream.send({ type_url: TYPE_URL.route, resource_names: ['alpha.demo.svc.cluster.local:7070', 'beta.demo.svc.cluster.local:7071'], version_info: first.version_info, response_nonce: first.nonce });
  const second = await stream.next();
  // RDS may be partial in state of the world: alpha is unchanged and the proxy has it.
  assert.deepEqual(routeNames(second), ['beta.demo.svc.cluster.local:7071']);
  stream.close();
});

test('state of the world: a change to one route configuration sends only it; LDS and CDS are not resent when unchanged', async () => {
  const stream = openStream('raw-5');
  const names = ['alpha.demo.svc.cluster.local:7070', 'beta.demo.svc.cluster.local:7071'];
  stream.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const lds = await stream.next();
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: lds.version_info, response_nonce: lds.nonce });
  stream.send({ type_url: TYPE_URL.route, resource_names: names });
  const rds = await stream.next();
  assert.deepEqual(routeNames(rds), names);
  stream.send({ type_url: TYPE_URL.route, resource_names: names, version_info: rds.version_info, response_nonce: rds.nonce });
  await waitForStatus('raw-5', (s) => s.types.RouteConfiguration?.synced === true);

  // A mesh VirtualService for beta changes beta's route configuration, no listener.
  await applyYaml(`apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: beta-routes, namespace: demo}
spec:
  hosts: [beta]
  gateways: [mesh]
  http: [{match: [{uri: {prefix: /x}}], route: [{destination: {host: beta, port: {number: 7071}}}]}]
`);
  const next = await stream.next();
  assert.equal(next.type_url, TYPE_URL.route, 'the listeners were resent although unchanged');
  assert.deepEqual(routeNames(next), ['beta.demo.svc.cluster.local:7071']);
  assert.notEqual(next.version_info, rds.version_info);
  stream.close();
});

test('a batch that changes no object (a CertificateIssued) recompiles nothing', async () => {
  const generation = xds.ads.cache.generation;
  const { written } = await store.append([{ streamId: 'ca/certificates', type: 'CertificateIssued', data: { serial: '01', reason: 'test' } }]);
  const head = written[written.length - 1].sequence;
  await bus.ringDoorbell({ head });
  await xds.follower.waitFor(head);
  assert.equal(xds.ads.cache.generation, generation);
  await applyYaml(service('delta', 7073));
  assert.equal(xds.ads.cache.generation, generation + 1);
});

test('a push reports how many proxies it queued, and a proxy it queued is sent the change', { timeout: 10_000 }, async () => {
  const stream = openStream('raw-push');
  stream.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const first = await stream.next();
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: first.version_info, response_nonce: first.nonce });
  await waitForStatus('raw-push', (s) => s.types.Listener?.ackedVersion === first.version_info);

  const pushed = once(xds.ads, 'push') as Promise<[number]>;
  await applyYaml(service('epsilon', 7074));
  const [queued] = await pushed;
  assert.ok(queued >= 1 && queued <= xds.proxies().length, `queued ${queued} of ${xds.proxies().length} connected proxies`);
  const next = await stream.next();
  assert.ok(listenerNames(next).includes('epsilon.demo.svc.cluster.local:7074'));
  stream.close();
});

async function waitForStatus(id: string, accept: (s: ReturnType<XdsService['proxies']>[number]) => boolean) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const status = xds.proxies().find((p) => p.id === id);
    if (status && accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`proxy ${id} never reached the expected status: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Delta xDS (`DeltaAggregatedResources`) over a real gRPC stream with a hand-driven client:
 * wildcard and explicit subscriptions, removals, per-resource versions, initial_resource_versions
 * on reconnect, ACK/NACK, and no SDS on the plaintext port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { openEventStore, type EventStore, type NewEvent } from '@meshgate/eventlog';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { appendAndFollow, appliedEvents } from './support/log.js';

interface DeltaResponse {
  system_version_info: string;
  nonce: string;
  type_url: string;
  resources: { name: string; version: string; resource: { type_url: string; value: Buffer } }[];
  removed_resources: string[];
}

let store: EventStore;
let bus: InProcessBus;
let xds: XdsService;

async function append(events: NewEvent[]): Promise<void> {
  await appendAndFollow({ store, bus, xds }, events);
}

async function applyYaml(yaml: string): Promise<void> {
  await append(appliedEvents(yaml));
}

const service = (name: string, port: number) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: demo}
spec:
  ports: [{name: grpc, port: ${port}}]
`;
const listener = (name: string, port: number) => `${name}.demo.svc.cluster.local:${port}`;

function openDelta(nodeId: string) {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const client = new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(`127.0.0.1:${xds.port}`, grpc.credentials.createInsecure());
  const stream = client.DeltaAggregatedResources() as grpc.ClientDuplexStream<Record<string, unknown>, DeltaResponse>;
  const queue: DeltaResponse[] = [];
  const waiters: ((r: DeltaResponse) => void)[] = [];
  const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
  stream.on('data', (r: DeltaResponse) => {
    const waiter = waiters.shift();
    if (waiter) waiter(r);
    else queue.push(r);
  });
  stream.on('error', () => undefined);
  let first = true;
  return {
    status,
    send(request: Record<string, unknown>) {
      const node = { id: nodeId, metadata: { fields: { CLIENT: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'demo' } } } };
      stream.write(first ? { ...request, node } : request);
      first = false;
    },
    next(timeoutMs = 10000): Promise<DeltaResponse> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no delta response')), timeoutMs);
        waiters.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
    },
    pending: () => queue.length,
    close() {
      stream.end();
      client.close();
    },
  };
}

const routesOf = (host: string, prefix: string) => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ${host}-routes, namespace: demo}
spec:
  hosts: [${host}]
  gateways: [mesh]
  http: [{match: [{uri: {prefix: ${prefix}}}], route: [{destination: {host: ${host}}}]}]
`;

const names = (r: DeltaResponse) => r.resources.map((x) => x.name).sort();

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  xds = new XdsService({ store, bus, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), registry: new Registry(), compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0 });
  await applyYaml(`${service('alpha', 7070)}---\n${service('beta', 7071)}`);
  await xds.start();
});

after(async () => {
  await xds.stop();
  await bus.close();
  await store.close();
});

test('delta wildcard: everything first with per-resource versions, then only what changed, and removals', async () => {
  const stream = openDelta('delta-1');
  stream.send({ type_url: TYPE_URL.listener, resource_names_subscribe: [] });
  const first = await stream.next();
  assert.deepEqual(names(first), [listener('alpha', 7070), listener('beta', 7071)]);
  for (const r of first.resources) assert.match(r.version, /^[0-9a-f]{16}$/);
  stream.send({ type_url: TYPE_URL.listener, response_nonce: first.nonce });

  await applyYaml(service('gamma', 7072));
  const added = await stream.next();
  assert.deepEqual(names(added), [listener('gamma', 7072)], 'unchanged listeners were resent');
  assert.deepEqual(added.removed_resources, []);
  stream.send({ type_url: TYPE_URL.listener, response_nonce: added.nonce });

  await append([{ streamId: 'Service/demo/gamma', type: 'ResourceDeleted', data: { ref: { kind: 'Service', namespace: 'demo', name: 'gamma' }, source: 'test' } }]);
  const removed = await stream.next();
  assert.deepEqual(removed.resources, []);
  assert.deepEqual(removed.removed_resources, [listener('gamma', 7072)]);
  stream.send({ type_url: TYPE_URL.listener, response_nonce: removed.nonce });

  const status = xds.proxies().find((p) => p.id === 'delta-1');
  assert.equal(status?.protocol, 'delta');
  stream.close();
});

test('delta explicit: subscribe gets the name, unsubscribe stops its updates; a NACKed version is not resent', async () => {
  const stream = openDelta('delta-2');
  stream.send({ type_url: TYPE_URL.route, resource_names_subscribe: [listener('alpha', 7070)] });
  const first = await stream.next();
  assert.deepEqual(names(first), [listener('alpha', 7070)]);
  stream.send({ type_url: TYPE_URL.route, response_nonce: first.nonce });

  stream.send({ type_url: TYPE_URL.route, resource_names_subscribe: [listener('beta', 7071)] });
  const second = await stream.next();
  assert.deepEqual(names(second), [listener('beta', 7071)]);
  // NACK beta's new version: it is recorded and not sent again.
  stream.send({ type_url: TYPE_URL.route, response_nonce: second.nonce, error_detail: { code: 3, message: 'route rejected' } });
  stream.send({ type_url: TYPE_URL.route, resource_names_unsubscribe: [listener('beta', 7071)] });
  // A change to beta (unsubscribed) sends nothing; a change to alpha does, alone.
  await applyYaml(routesOf('beta', '/b'));
  await applyYaml(routesOf('alpha', '/a'));
  const third = await stream.next();
  assert.deepEqual(names(third), [listener('alpha', 7070)]);
  stream.send({ type_url: TYPE_URL.route, response_nonce: third.nonce });
  const status = xds.proxies().find((p) => p.id === 'delta-2');
  assert.equal(status?.types.RouteConfiguration.nack?.message, 'route rejected');
  stream.close();
});

test('delta reconnect: initial_resource_versions at the current versions are not resent', async () => {
  const one = openDelta('delta-3');
  one.send({ type_url: TYPE_URL.cluster, resource_names_subscribe: ['*'] });
  const first = await one.next();
  assert.ok(first.resources.length >= 2);
  one.send({ type_url: TYPE_URL.cluster, response_nonce: first.nonce });
  one.close();

  const held = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
  const two = openDelta('delta-3');
  two.send({ type_url: TYPE_URL.cluster, resource_names_subscribe: ['*'], initial_resource_versions: { ...held, 'outbound|1|x|gone.demo.svc.cluster.local': 'old' } });
  const again = await two.next();
  assert.deepEqual(again.resources, [], 'resources the proxy already had were resent');
  assert.deepEqual(again.removed_resources, ['outbound|1|x|gone.demo.svc.cluster.local']);
  two.close();
});

test('delta: streams subscribing the same names share them until one changes its own; the others keep theirs', async () => {
  const both = [listener('alpha', 7070), listener('beta', 7071)];
  const one = openDelta('delta-shared-1');
  const two = openDelta('delta-shared-2');
  for (const stream of [one, two]) {
    stream.send({ type_url: TYPE_URL.route, resource_names_subscribe: both });
    const first = await stream.next();
    assert.deepEqual(names(first), both);
    stream.send({ type_url: TYPE_URL.route, response_nonce: first.nonce });
  }
  one.send({ type_url: TYPE_URL.route, resource_names_unsubscribe: [listener('beta', 7071)] });
  await applyYaml(routesOf('beta', '/shared-b'));
  const toTwo = await two.next();
  assert.deepEqual(names(toTwo), [listener('beta', 7071)], 'the other stream lost beta with the first one');
  two.send({ type_url: TYPE_URL.route, response_nonce: toTwo.nonce });
  await applyYaml(routesOf('alpha', '/shared-a'));
  const toOne = await one.next();
  assert.deepEqual(names(toOne), [listener('alpha', 7070)], 'beta reached the stream that unsubscribed it');
  const alphaToTwo = await two.next();
  assert.deepEqual(names(alphaToTwo), [listener('alpha', 7070)]);
  one.close();
  two.close();
});

test('delta: a NACKed first answer that sent everything leaves the proxy holding nothing, and the refused versions are not resent', async () => {
  const both = [listener('alpha', 7070), listener('beta', 7071)];
  const stream = openDelta('delta-nack-all');
  stream.send({ type_url: TYPE_URL.route, resource_names_subscribe: both });
  const first = await stream.next();
  assert.deepEqual(names(first), both);
  stream.send({ type_url: TYPE_URL.route, response_nonce: first.nonce, error_detail: { code: 3, message: 'refused whole' } });
  await applyYaml(routesOf('alpha', '/after-nack'));
  const next = await stream.next();
  assert.deepEqual(names(next), [listener('alpha', 7070)], 'beta went again at the version the proxy refused, or alpha did not');
  stream.close();
});

test('delta on the plaintext port refuses SDS', async () => {
  const stream = openDelta('delta-4');
  stream.send({ type_url: TYPE_URL.secret, resource_names_subscribe: ['default'] });
  const status = await stream.status;
  assert.equal(status.code, grpc.status.PERMISSION_DENIED);
  stream.close();
});

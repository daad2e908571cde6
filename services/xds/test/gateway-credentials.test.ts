/**
 * Gateway credentials over a real ADS stream: a gateway receives the HTTPS filter chain of a
 * server only while its credential Secret resolves in the gateway's own namespace; a missing or
 * malformed Secret drops that server's chain (never a listener waiting for a secret) and the
 * other server keeps working; a gateway in another namespace gets no credential chain at all.
 * Secrets are appended in their stored shape (key names and digests), as the api will write them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { InProcessBus } from '@meshgate/bus';
import { TYPE_URL } from '@meshgate/compiler';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { parseDocuments, validateDocument, type MeshObject, type SecretObject } from '@meshgate/model';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsService } from '../src/app.js';
import { appendAndFollow, appliedEvent } from './support/log.js';

interface Response {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: { type_url: string; value: Buffer }[];
}

let store: EventStore;
let bus: InProcessBus;
let xds: XdsService;

async function append(objects: MeshObject[]): Promise<void> {
  await appendAndFollow({ store, bus, xds }, objects.map(appliedEvent));
}

function fromYaml(yaml: string): MeshObject[] {
  const parsed = parseDocuments(yaml);
  assert.ok(parsed.ok);
  return parsed.documents.map((doc) => {
    const result = validateDocument(doc);
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors));
    return result.value;
  });
}

function tlsSecret(name: string, problems: string[] = []): SecretObject {
  const digest = (n: number) => ({ sha256: String(n).repeat(64).slice(0, 64), bytes: 1000 + n });
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'istio-system', labels: {}, annotations: {} }, type: 'kubernetes.io/tls', data: { 'tls.crt': digest(1), 'tls.key': digest(2) }, problems };
}

/** A raw ADS stream for an ingress gateway in `namespace`. */
function openGatewayStream(nodeId: string, namespace: string) {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const client = new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(`127.0.0.1:${xds.port}`, grpc.credentials.createInsecure());
  const stream = client.StreamAggregatedResources() as grpc.ClientDuplexStream<Record<string, unknown>, Response>;
  const queue: Response[] = [];
  const waiters: ((r: Response) => void)[] = [];
  stream.on('data', (r: Response) => {
    const waiter = waiters.shift();
    if (waiter) waiter(r);
    else queue.push(r);
  });
  stream.on('error', () => undefined);
  const fields = {
    CLIENT: { stringValue: 'envoy' },
    ROLE: { stringValue: 'ingress-gateway' },
    NAMESPACE: { stringValue: namespace },
    LABELS: { structValue: { fields: { istio: { stringValue: 'ingressgateway' } } } },
  };
  let first = true;
  return {
    send(request: Record<string, unknown>) {
      stream.write(first ? { ...request, node: { id: nodeId, metadata: { fields } } } : request);
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

/** Listener name → the SNI names of its filter chains. */
function chainsOf(response: Response): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const any of response.resources) {
    const listener = decodeResource(TYPE_URL.listener, any.value) as { name: string; filter_chains?: { filter_chain_match?: { server_names?: string[] } }[] };
    out.set(listener.name, (listener.filter_chains ?? []).map((chain) => chain.filter_chain_match?.server_names ?? []));
  }
  return out;
}

before(async () => {
  store = await openEventStore({ memory: true });
  bus = new InProcessBus();
  xds = new XdsService({ store, bus, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), registry: new Registry(), compile: { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' }, host: '127.0.0.1', port: 0 });
  await append([
    ...fromYaml(`apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec: {ports: [{name: http, port: 8000}], selector: {app: httpbin}}
---
apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: mygateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-httpbin, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: httpbin-credential}
    hosts: [httpbin.example.com]
  - port: {number: 443, name: https-helloworld, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: helloworld-credential}
    hosts: [helloworld-v1.example.com]
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.example.com, helloworld-v1.example.com]
  gateways: [mygateway]
  http: [{route: [{destination: {host: httpbin, port: {number: 8000}}}]}]
`),
    tlsSecret('httpbin-credential'),
  ]);
  await xds.start();
});

after(async () => {
  await xds.stop();
  await bus.close();
  await store.close();
});

test('a server is sent exactly while its credential resolves in the gateway namespace; the others keep working', async () => {
  const stream = openGatewayStream('gw-1', 'istio-system');
  stream.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const first = await stream.next();
  assert.deepEqual(chainsOf(first).get('0.0.0.0_443'), [['httpbin.example.com']], 'helloworld-credential is missing: its server is not sent');
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: first.version_info, response_nonce: first.nonce });

  await append([tlsSecret('helloworld-credential')]);
  const second = await stream.next();
  assert.deepEqual(chainsOf(second).get('0.0.0.0_443'), [['httpbin.example.com'], ['helloworld-v1.example.com']]);
  stream.send({ type_url: TYPE_URL.listener, resource_names: [], version_info: second.version_info, response_nonce: second.nonce });

  // Rotation (new bytes, same keys): SDS's business alone — no listener is pushed. The next
  // listener response on this ordered stream is the next real listener change.
  const rotated = tlsSecret('helloworld-credential');
  rotated.data = { 'tls.crt': { sha256: 'a'.repeat(64), bytes: 1300 }, 'tls.key': { sha256: 'b'.repeat(64), bytes: 1700 } };
  await append([rotated]);
  await append([tlsSecret('httpbin-credential', ['tls.key does not match tls.crt'])]);
  const third = await stream.next();
  assert.equal(third.type_url, TYPE_URL.listener);
  assert.deepEqual(chainsOf(third).get('0.0.0.0_443'), [['helloworld-v1.example.com']], 'a malformed credential drops its server only (and the rotation pushed nothing before it)');
  stream.close();
});

test('a gateway in another namespace does not get credentials of istio-system', async () => {
  const stream = openGatewayStream('gw-elsewhere', 'other');
  stream.send({ type_url: TYPE_URL.listener, resource_names: [] });
  const response = await stream.next();
  assert.equal(chainsOf(response).has('0.0.0.0_443'), false);
  stream.close();
});

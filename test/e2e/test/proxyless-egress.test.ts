/**
 * Proxyless egress, embedded mode: a @grpc/grpc-js-xds client (this process, through
 * `meshgate agent`) reaches "external" gRPC servers on loopback addresses only through
 * ServiceEntries — one with STATIC endpoints, one with DNS resolution of `localhost` — and fails
 * once the entry is deleted. A DestinationRule subset by endpoint labels picks one backend.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { startWorkloadAgent, type WorkloadAgent } from '../src/agent.js';
import { call, callUntil, METHODS, startBackend, type Backend, type CallResult } from '../src/backends.js';
import { proxylessBootstrap, useBootstrap } from '../src/bootstrap.js';
import { apply } from '../src/rest.js';

const NODE_ID = 'egress-client-0.egress';
const NAMESPACE = 'egress';
let meshgate: RunningMeshgate;
let agent: WorkloadAgent;
let staticA: Backend;
let staticB: Backend;
let dnsBackend: Backend;
const reviews: Backend[] = [];
const clients: grpc.Client[] = [];

async function applyOk(yaml: string): Promise<void> {
  const applied = await apply(meshgate.apiUrl, yaml, meshgate.apiToken);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
}

function client(target: string): grpc.Client {
  const made = new grpc.Client(target, grpc.credentials.createInsecure());
  clients.push(made);
  return made;
}

const staticEntry = () => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: billing, namespace: ${NAMESPACE}}
spec:
  hosts: [billing.external.example]
  ports: [{number: 7443, name: grpc, protocol: GRPC}]
  resolution: STATIC
  endpoints:
  - {address: ${staticA.host}, ports: {grpc: ${staticA.port}}, labels: {version: v1}}
  - {address: ${staticB.host}, ports: {grpc: ${staticB.port}}, labels: {version: v2}}
`;

before(async () => {
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  assert.ok(meshgate.apiToken);
  staticA = await startBackend('static-A', '127.0.0.41');
  staticB = await startBackend('static-B', '127.0.0.42');
  dnsBackend = await startBackend('dns', '127.0.0.1');
  for (const [index, version] of ['v1', 'v2', 'v3'].entries()) reviews.push(await startBackend(`reviews-${version}`, `127.0.0.${51 + index}`));
  agent = await startWorkloadAgent(
    { apiUrl: meshgate.apiUrl, apiToken: meshgate.apiToken, xdsAddress: `127.0.0.1:${meshgate.xdsSecurePort}` },
    { nodeId: NODE_ID, namespace: NAMESPACE, serviceAccount: 'egress-client' },
  );
  useBootstrap(proxylessBootstrap(agent.address, { id: NODE_ID, namespace: NAMESPACE }));
  grpcXds.register();
  await applyOk(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NAMESPACE}}\n`);
});

after(async () => {
  for (const made of clients) made.close();
  await meshgate?.stop();
  await agent?.stop();
  await staticA?.stop();
  await staticB?.stop();
  await dnsBackend?.stop();
  for (const backend of reviews) await backend.stop();
});

test('a ServiceEntry with STATIC endpoints lets the client reach both; a subset picks the labelled one', async () => {
  await applyOk(staticEntry());
  const billing = client('xds:///billing.external.example:7443');
  const served = new Set<string>();
  const first = await callUntil(billing, METHODS.hello, (r) => r.ok);
  assert.equal(first.ok, true, JSON.stringify(first));
  for (let i = 0; i < 20; i++) {
    const result = await call(billing, METHODS.hello);
    if (result.ok && result.servedBy) served.add(result.servedBy);
  }
  assert.deepEqual([...served].sort(), ['static-A', 'static-B'], 'round robin over both endpoints');

  await applyOk(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: billing, namespace: ${NAMESPACE}}
spec:
  host: billing.external.example
  subsets:
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: billing, namespace: ${NAMESPACE}}
spec:
  hosts: [billing.external.example]
  http:
  - route: [{destination: {host: billing.external.example, port: {number: 7443}, subset: v2}}]
`);
  // Settled once several calls in a row reach B: under the old config round robin alternates A and B.
  let streak = 0;
  const settled = await callUntil(billing, METHODS.hello, (r) => {
    streak = r.ok && r.servedBy === 'static-B' ? streak + 1 : 0;
    return streak >= 5;
  });
  assert.equal(settled.servedBy, 'static-B', JSON.stringify(settled));
  for (let i = 0; i < 10; i++) assert.deepEqual(await call(billing, METHODS.hello), { ok: true, servedBy: 'static-B' }, 'the subset cluster holds the v2 endpoint only');
});

test('a ServiceEntry with DNS resolution of localhost is reached through a LOGICAL_DNS cluster', async () => {
  await applyOk(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: geo, namespace: ${NAMESPACE}}
spec:
  hosts: [geo.external.example]
  ports: [{number: 7070, name: grpc, protocol: GRPC, targetPort: ${dnsBackend.port}}]
  resolution: DNS
  endpoints: [{address: localhost}]
`);
  const geo = client('xds:///geo.external.example:7070');
  const result = await callUntil(geo, METHODS.hello, (r) => r.ok);
  assert.deepEqual(result, { ok: true, servedBy: 'dns' });
});

test('after the ServiceEntry is deleted, the call fails', async () => {
  const geo = client('xds:///geo.external.example:7070');
  assert.equal((await callUntil(geo, METHODS.hello, (r) => r.ok)).ok, true, 'reachable first');
  const response = await fetch(`${meshgate.apiUrl}/v1/resources/serviceentries/${NAMESPACE}/geo`, { method: 'DELETE', headers: { authorization: `Bearer ${meshgate.apiToken}` } });
  assert.equal(response.status, 200, await response.text());
  const failed = await callUntil(geo, METHODS.hello, (r) => !r.ok);
  assert.equal(failed.ok, false, JSON.stringify(failed));
  assert.equal(failed.code, grpc.status.UNAVAILABLE, JSON.stringify(failed));
});

/** The reviews Service of Istio's Bookinfo: three backends whose Pods carry version labels. */
function reviewsYaml(): string {
  const pods = reviews.map((backend, index) => `---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v${index + 1}, namespace: ${NAMESPACE}, labels: {app: reviews, version: v${index + 1}}}
spec: {serviceAccountName: reviews, containers: [{name: reviews, ports: [{name: grpc, containerPort: ${backend.port}}]}]}
status: {podIP: ${backend.host}, phase: Running}
`);
  const subsets = reviews.map((backend) => `- addresses: [{ip: ${backend.host}}]\n  ports: [{name: grpc, port: ${backend.port}}]`).join('\n');
  return `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: ${NAMESPACE}}
spec:
  selector: {app: reviews}
  ports: [{name: grpc, port: 9080, targetPort: grpc}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: reviews, namespace: ${NAMESPACE}}
subsets:
${subsets}
${pods.join('')}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: ${NAMESPACE}}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x-user}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
`;
}

/** One call carrying the header the DestinationRule hashes on. */
function callAs(target: grpc.Client, user: string): Promise<CallResult> {
  const metadata = new grpc.Metadata();
  metadata.set('x-user', user);
  return new Promise((resolve) => {
    target.makeUnaryRequest<Buffer, Buffer>(METHODS.hello, (b) => b, (b) => b, Buffer.alloc(0), metadata, { deadline: Date.now() + 5000 }, (error, response) => {
      resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, servedBy: response?.toString() });
    });
  });
}

test('DestinationRule on a Service: a subset picks the Pods with its labels; consistentHash keeps a header value on one backend', async () => {
  await applyOk(reviewsYaml());
  const target = client(`xds:///reviews.${NAMESPACE}.svc.cluster.local:9080`);
  assert.equal((await callUntil(target, METHODS.hello, (r) => r.ok)).ok, true, 'reachable');

  // consistentHash on x-user: each user sticks to one backend over 100 calls.
  for (const user of ['alice', 'bob', 'carol']) {
    const served = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const result = await callAs(target, user);
      assert.equal(result.ok, true, JSON.stringify(result));
      served.add(result.servedBy ?? '');
    }
    assert.equal(served.size, 1, `${user} was served by ${[...served].join(', ')}`);
  }

  await applyOk(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: ${NAMESPACE}}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v3}}]
`);
  let streak = 0;
  const settled = await callUntil(target, METHODS.hello, (r) => {
    streak = r.ok && r.servedBy === 'reviews-v3' ? streak + 1 : 0;
    return streak >= 5;
  });
  assert.equal(settled.servedBy, 'reviews-v3', JSON.stringify(settled));
  for (const user of ['alice', 'bob', 'carol', 'dave']) assert.deepEqual(await callAs(target, user), { ok: true, servedBy: 'reviews-v3' }, 'only the Pod labelled version=v3');
});

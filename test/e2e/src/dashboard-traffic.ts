/**
 * Traffic that gives every dashboard panel something to show: applies (and a refused one), a
 * proxy on the plaintext xDS port that ACKs, NACKs once and converges on a change, a refused
 * Secret request, a certificate issuance, a root rotation and a change through the watcher.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TYPE_URLS } from '@meshgate/envoy-proto';
import { TEST_API_TOKEN } from '@meshgate/testkit';
import { askSecretOnPlaintext, connectAdsProxy, type AdsProxy } from './ads-proxy.js';
import { apply, eventually, getJson } from './rest.js';

export interface TrafficTargets {
  apiUrl: string;
  /** Where /v1/ca/* is served (the api in the embedded run, the ca process otherwise). */
  caUrl: string;
  /** host:port of the plaintext xDS port. */
  xdsAddress: string;
  manifestsDir: string;
}

const NAMESPACE = 'dashboards';

const namespaceYaml = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  labels:
    openservicemesh.io/monitored-by: osm
`;

function serviceYaml(name: string, ip: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${NAMESPACE}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8000, targetPort: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: ${name}, namespace: ${NAMESPACE}}
subsets:
- addresses: [{ip: ${ip}}]
  ports: [{name: http, port: 80}]
`;
}

const gatewayYaml = `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: web, namespace: ${NAMESPACE}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["web.example.com"]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: web, namespace: ${NAMESPACE}}
spec:
  hosts: ["web.example.com"]
  gateways: [web]
  http:
  - route:
    - destination: {host: web, port: {number: 8000}}
`;

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

function expectStatus(what: string, status: number, expected: number): void {
  if (status !== expected) throw new Error(`${what}: expected ${expected}, got ${status}`);
}

export async function driveDashboardTraffic(targets: TrafficTargets): Promise<AdsProxy> {
  const applied = await apply(targets.apiUrl, `${namespaceYaml}---\n${serviceYaml('web', '10.20.0.7')}`, TEST_API_TOKEN);
  expectStatus('apply', applied.status, 200);
  // A refused apply: the apply-errors panel.
  const refused = await apply(targets.apiUrl, 'apiVersion: v1\nkind: Service\nmetadata: {name: "Not A Name", namespace: dashboards}\n', TEST_API_TOKEN);
  if (refused.status < 400 || refused.status >= 500) throw new Error(`the invalid apply should be refused, got ${refused.status}`);

  const proxy = connectAdsProxy(targets.xdsAddress, { id: 'dashboards-gateway', namespace: NAMESPACE, role: 'ingress-gateway', labels: { istio: 'ingressgateway' } });
  proxy.nackNext(TYPE_URLS.listener);
  await proxy.waitFor(TYPE_URLS.cluster, 1);
  await proxy.waitFor(TYPE_URLS.listener, 1);
  // A change the connected gateway must receive: pushes, ACKs and a convergence observation.
  expectStatus('apply of the gateway', (await apply(targets.apiUrl, gatewayYaml, TEST_API_TOKEN)).status, 200);
  await proxy.waitFor(TYPE_URLS.listener, 2);

  const secret = await askSecretOnPlaintext(targets.xdsAddress, 'dashboards-plaintext-sds');
  if (secret.code === 0) throw new Error('SDS on the plaintext port should be refused');

  expectStatus('certificate issuance', await post(`${targets.caUrl}/v1/ca/issue`, { namespace: NAMESPACE, serviceAccount: 'web' }), 200);
  expectStatus('root rotation', await post(`${targets.caUrl}/v1/ca/rotate`, {}), 200);

  writeFileSync(path.join(targets.manifestsDir, 'watched.yaml'), serviceYaml('watched', '10.20.0.8'));
  await eventually('the watcher to deliver a Service', async () => {
    const { status } = await getJson(`${targets.apiUrl}/v1/resources/Service/${NAMESPACE}/watched`, TEST_API_TOKEN);
    return status === 200 ? true : undefined;
  });
  return proxy;
}

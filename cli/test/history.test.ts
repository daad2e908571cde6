/**
 * History against a real meshgate (embedded, in memory, loopback port 0) with a real ADS
 * connection from an ingress gateway, on a log with known events:
 *
 *   B+1 Namespace default   B+2 Service httpbin   B+3 Endpoints httpbin (10.244.1.17)
 *   B+4 Gateway httpbin-gateway   B+5 VirtualService httpbin (/status, /delay)
 *   B+6 Endpoints → 10.244.1.18   B+7 VirtualService: /delay → /anything   B+8 Gateway deleted
 *
 * (B is the head before the test's first apply.) `diff`, `blame`, `proxy-config --at`,
 * `describe` and `apply --dry-run` must answer exactly.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const TOKEN = 'cli-test-token-history-0123456789abcdef';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const CLUSTER = 'outbound|8000||httpbin.default.svc.cluster.local';

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    openservicemesh.io/monitored-by: osm\n';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: httpbin\nspec:\n  ports:\n  - name: http\n    port: 8000\n    targetPort: 80\n  selector:\n    app: httpbin\n';
const ENDPOINTS = 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: httpbin\nsubsets:\n- addresses:\n  - ip: 10.244.1.17\n  ports:\n  - name: http\n    port: 80\n';
const GATEWAY =
  'apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: httpbin-gateway\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port:\n      number: 80\n      name: http\n      protocol: HTTP\n    hosts:\n    - httpbin.example.com\n';
const VIRTUAL_SERVICE =
  'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: httpbin\nspec:\n  hosts:\n  - httpbin.example.com\n  gateways:\n  - httpbin-gateway\n  http:\n  - match:\n    - uri:\n        prefix: /status\n    - uri:\n        prefix: /delay\n    route:\n    - destination:\n        port:\n          number: 8000\n        host: httpbin\n';

type Message = Record<string, unknown>;

/** An ingress gateway's ADS stream on the plaintext port; resolves once the server has answered (so it is connected). */
async function connectGateway(port: number, id: string): Promise<() => void> {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const client = new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    StreamAggregatedResources(): grpc.ClientDuplexStream<Message, Message>;
  };
  const call = client.StreamAggregatedResources();
  call.on('error', () => undefined);
  const text = (value: string) => ({ kind: 'stringValue', stringValue: value });
  const node = {
    id,
    metadata: {
      fields: {
        ROLE: text('ingress-gateway'),
        NAMESPACE: text('istio-system'),
        LABELS: { kind: 'structValue', structValue: { fields: { istio: text('ingressgateway') } } },
      },
    },
  };
  const answered = new Promise<void>((resolve, reject) => {
    call.once('data', () => resolve());
    call.once('status', (status: grpc.StatusObject) => reject(new Error(`ADS stream ended: ${status.details}`)));
  });
  call.write({ node, type_url: CDS, resource_names: [] });
  await answered;
  return () => {
    call.cancel();
    client.close();
  };
}

/** Timestamps differ per run: `2025-…Z` → `<time>`. */
function withoutTimes(text: string): string {
  return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');
}

describe('history against a running meshgate', { timeout: 90_000 }, () => {
  let running: RunningMeshgate;
  let work: string;
  let disconnect: (() => void) | undefined;
  let base = 0;
  const cli = (argv: string[], stdin?: string) => runCli(argv, { server: running.apiUrl, env: { MESHGATE_API_TOKEN: TOKEN }, cwd: work, stdin });
  const seq = (n: number) => String(base + n);

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-history-'));
    running = await startMeshgate({ memory: true, apiToken: TOKEN, logLevel: 'silent', overrides: { apiPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
    disconnect = await connectGateway(running.xdsPort, 'ingress-1');
    base = await running.infra.store.headSequence();
    const steps: [string[], string?][] = [
      [['apply', '-f', '-'], [NAMESPACE, SERVICE, ENDPOINTS, GATEWAY, VIRTUAL_SERVICE].join('---\n')],
      [['apply', '-f', '-'], ENDPOINTS.replace('10.244.1.17', '10.244.1.18')],
      [['apply', '-f', '-'], VIRTUAL_SERVICE.replace('/delay', '/anything')],
      [['delete', 'gw', 'httpbin-gateway']],
    ];
    for (const [argv, stdin] of steps) {
      const result = await cli(argv, stdin);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal(await running.infra.store.headSequence(), base + 8);
  });

  after(async () => {
    disconnect?.();
    await running?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('diff between two positions: the objects field by field, and what the connected gateway was sent', async () => {
    const result = await cli(['diff', '--from', seq(5), '--to', seq(7)]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        `#${seq(5)} → #${seq(7)}: 2 objects changed`,
        '~ endpoints/httpbin -n default',
        '    ~ subsets[0].addresses[0].ip: "10.244.1.17" → "10.244.1.18"',
        '~ virtualservice.networking.istio.io/httpbin -n default',
        '    ~ spec.http[0].match[1].uri.prefix: "/delay" → "/anything"',
        '',
        'proxy ingress-1 (ingress-gateway envoy, istio-system)',
        '  ~ RouteConfiguration http.80',
        '      ~ virtual_hosts[0].routes[1].match.prefix: "/delay" → "/anything"',
        `  ~ ClusterLoadAssignment ${CLUSTER}`,
        '      ~ endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "10.244.1.17" → "10.244.1.18"',
        '1 of 1 connected proxy differ',
        '',
      ].join('\n'),
    );
  });

  it('diff to the head: the Gateway removed, and the gateway loses what it served', async () => {
    const result = await cli(['diff', '--from', seq(7)]);
    assert.equal(
      result.stdout,
      [
        `#${seq(7)} → #${seq(8)}: 1 object changed`,
        '- gateway.networking.istio.io/httpbin-gateway -n default',
        '',
        'proxy ingress-1 (ingress-gateway envoy, istio-system)',
        '  - Listener 0.0.0.0_80',
        '  - RouteConfiguration http.80',
        `  - Cluster ${CLUSTER}`,
        `  - ClusterLoadAssignment ${CLUSTER}`,
        '1 of 1 connected proxy differ',
        '',
      ].join('\n'),
    );
    const past = await cli(['diff', '--from', '0', '--to', seq(99)]);
    assert.equal(past.code, 1);
    assert.match(past.stderr, new RegExp(`^error: to ${seq(99)} is past the head of the log \\(${seq(8)}\\)`));
  });

  it('blame: the events that shaped the VirtualService and the deleted Gateway', async () => {
    const vs = await cli(['blame', 'vs', 'httpbin']);
    assert.equal(vs.code, 0, vs.stderr);
    assert.equal(
      withoutTimes(vs.stdout),
      ['virtualservice.networking.istio.io/httpbin', `#${seq(5)} <time> created by api`, `#${seq(7)} <time> configured by api`, '    ~ spec.http[0].match[1].uri.prefix: "/delay" → "/anything"', ''].join('\n'),
    );
    const gateway = await cli(['blame', 'gateway.networking.istio.io/httpbin-gateway']);
    assert.equal(withoutTimes(gateway.stdout), ['gateway.networking.istio.io/httpbin-gateway (deleted)', `#${seq(4)} <time> created by api`, `#${seq(8)} <time> deleted by api`, ''].join('\n'));
    const json = await cli(['blame', 'vs', 'httpbin', '-o', 'json']);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { entries: { sequence: number }[] }).entries.map((entry) => entry.sequence),
      [base + 5, base + 7],
    );
  });

  it('proxy-config --at: what the gateway was sent at each position', async () => {
    const address = async (at: number) => {
      const result = await cli(['proxy-config', 'endpoint', 'ingress-1', '--at', seq(at), '--fqdn', 'httpbin.default.svc.cluster.local']);
      assert.equal(result.code, 0, result.stderr);
      const assignments = JSON.parse(result.stdout) as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] }[];
      return assignments.flatMap((a) => a.endpoints.flatMap((e) => e.lb_endpoints.map((lb) => lb.endpoint.address.socket_address.address)));
    };
    assert.deepEqual(await address(5), ['10.244.1.17']);
    assert.deepEqual(await address(6), ['10.244.1.18']);
    assert.deepEqual(await address(8), []);
    const listeners = await cli(['proxy-config', 'listener', 'ingress-1', '--at', seq(4)]);
    assert.deepEqual((JSON.parse(listeners.stdout) as { name: string }[]).map((listener) => listener.name), ['0.0.0.0_80']);
    const nobody = await cli(['proxy-config', 'nobody', '--at', seq(4)]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no proxy "nobody" is connected/);
  });

  it('describe: fields and the events that touched the object', async () => {
    const result = await cli(['describe', 'vs', 'httpbin']);
    assert.equal(result.code, 0, result.stderr);
    const rows = withoutTimes(result.stdout.slice(result.stdout.indexOf('Events:\n') + 'Events:\n'.length))
      .trimEnd()
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(rows, [
      ['SEQ', 'TIME', 'ACTION', 'SOURCE', 'CHANGED'],
      [`#${seq(5)}`, '<time>', 'created', 'api'],
      [`#${seq(7)}`, '<time>', 'configured', 'api', 'spec.http[0].match[1].uri.prefix'],
    ]);
    assert.match(result.stdout, /^Name: {9}httpbin\nNamespace: {4}default\nKind: {9}VirtualService \(virtualservice\.networking\.istio\.io\)\n/);
  });

  it('apply --dry-run: per connected proxy, the xDS the change would cause; nothing is written', async () => {
    const result = await cli(['apply', '-f', '-', '--dry-run'], GATEWAY);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'gateway.networking.istio.io/httpbin-gateway created (dry run)',
        '',
        '+ gateway.networking.istio.io/httpbin-gateway -n default',
        '',
        'proxy ingress-1 (ingress-gateway envoy, istio-system)',
        '  + Listener 0.0.0.0_80',
        '  + RouteConfiguration http.80',
        `  + Cluster ${CLUSTER}`,
        `  + ClusterLoadAssignment ${CLUSTER}`,
        '1 of 1 connected proxy would change',
        '',
      ].join('\n'),
    );
    assert.equal(await running.infra.store.headSequence(), base + 8);
  });
});

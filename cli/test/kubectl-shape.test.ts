/**
 * The kubectl-shaped verbs against a canned REST API (pure output shape): several kinds at once,
 * KIND/NAME and qualified kinds, -l, -o wide, delete -f / several names / --ignore-not-found,
 * describe, apply's warnings, dry-run diff and progress, and the completion script run in bash.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

const service = (name: string, app: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { app } }, spec: { type: 'ClusterIP', ports: [{ port: 8000, protocol: 'TCP' }], selector: { app } } });
const endpoints = (name: string, app: string) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default', labels: { app } }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
const VS = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'httpbin', namespace: 'default' },
  spec: { hosts: ['httpbin.example.com'], gateways: ['httpbin-gateway'], http: [{ route: [{ destination: { host: 'httpbin.default.svc.cluster.local', port: { number: 8000 } }, weight: 100 }] }] },
};
const BACKEND = {
  apiVersion: 'policy.openservicemesh.io/v1alpha1',
  kind: 'IngressBackend',
  metadata: { name: 'second', namespace: 'default' },
  spec: { backends: [{ name: 'httpbin', port: { number: 80, protocol: 'http' } }], sources: [{ kind: 'Service', name: 'nginx', namespace: 'ingress' }] },
  status: { currentStatus: 'rejected', reason: 'conflicts with IngressBackend default/first on backend httpbin:80' },
};
const notFound = (what: string) => ({ status: 404, json: { code: 'MG_ERR_NOT_FOUND', message: `${what} not found` } });
const deleted = (kind: string, namespace: string, name: string) => ({ json: { sequence: 9, result: { kind, namespace, name, action: 'deleted' } } });

const DRY_RUN = {
  sequence: 8,
  dryRun: true,
  results: [{ kind: 'Endpoints', namespace: 'default', name: 'httpbin', action: 'configured' }],
  warnings: ['IngressBackend default/second is rejected: conflicts with IngressBackend default/first on backend httpbin:80'],
  objects: [{ kind: 'Endpoints', namespace: 'default', name: 'httpbin', change: 'changed', fields: [{ op: 'changed', path: 'subsets[0].addresses[0].ip', from: '10.0.0.1', to: '10.0.0.2' }] }],
  proxies: [
    {
      id: 'ingress-1',
      node: { role: 'ingress-gateway', client: 'envoy', namespace: 'istio-system' },
      changes: [{ type: 'ClusterLoadAssignment', name: 'outbound|8000||httpbin.default.svc.cluster.local', change: 'changed', fields: [{ op: 'changed', path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', from: '10.0.0.1', to: '10.0.0.2' }] }],
    },
  ],
  proxiesCompared: 3,
};

describe('kubectl-shaped verbs', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: CannedServer;
  let work: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-kubectl-'));
    server = await CannedServer.start({
      'GET /v1/resources/Service/default': { json: { items: [service('httpbin', 'httpbin'), service('reviews', 'reviews')], sequence: 8 } },
      'GET /v1/resources/Endpoints/default': { json: { items: [endpoints('httpbin', 'httpbin'), endpoints('reviews', 'reviews')], sequence: 8 } },
      'GET /v1/resources/VirtualService/default': { json: { items: [VS], sequence: 8 } },
      'GET /v1/resources/VirtualService/default/httpbin': { json: VS },
      'GET /v1/resources/IngressBackend/default/second': { json: BACKEND },
      'GET /v1/history/blame/IngressBackend/default/second': {
        json: {
          kind: 'IngressBackend',
          namespace: 'default',
          name: 'second',
          exists: true,
          entries: [
            { sequence: 3, recordedAt: '2025-01-01T00:00:00.000Z', type: 'ResourceApplied', source: 'api', action: 'created' },
            { sequence: 5, recordedAt: '2025-01-01T00:01:00.000Z', type: 'ResourceApplied', source: 'manifests:backends.yaml', action: 'configured', fields: [{ op: 'changed', path: 'spec.backends[0].port.number', from: 8080, to: 80 }] },
          ],
        },
      },
      'DELETE /v1/resources/VirtualService/default/a': deleted('VirtualService', 'default', 'a'),
      'DELETE /v1/resources/VirtualService/default/b': notFound('VirtualService default/b'),
      'DELETE /v1/resources/Gateway/shop/web': deleted('Gateway', 'shop', 'web'),
      'DELETE /v1/resources/Namespace/_/shop': deleted('Namespace', '', 'shop'),
      'POST /v1/apply': (request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        const dry = request.query.get('dryRun') === 'true';
        const count = request.body.trimStart().startsWith('[') ? (JSON.parse(request.body) as unknown[]).length : 1;
        const results = Array.from({ length: count }, (_, index) => ({ kind: 'ConfigMap', namespace: 'default', name: `c${index}`, action: index % 2 === 0 ? 'created' : 'unchanged' }));
        response.end(JSON.stringify(dry ? DRY_RUN : { sequence: 9, results, warnings: [] }));
      },
    });
  });

  after(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  const cli = (argv: string[], stdin?: string) => runCli(argv, { server: server.url, cwd: work, stdin });

  it('get svc,ep -l app=httpbin: one table per kind, names qualified, only the matching objects', async () => {
    const result = await cli(['get', 'svc,ep', '-l', 'app=httpbin']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'NAMESPACE   NAME              TYPE        CLUSTER-IP   PORTS      SELECTOR',
        'default     service/httpbin   ClusterIP   <none>       8000/TCP   app=httpbin',
        '',
        'NAMESPACE   NAME                ENDPOINTS',
        'default     endpoints/httpbin   10.0.0.1:80',
        '',
      ].join('\n'),
    );
    const none = await cli(['get', 'svc', '-l', 'app notin (httpbin,reviews)']);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'No resources found in default namespace.\n');
  });

  it('get accepts qualified kinds and KIND/NAME, and refuses a group the kind does not have', async () => {
    for (const argv of [['get', 'virtualservices.networking.istio.io', 'httpbin'], ['get', 'virtualservice.networking.istio.io/httpbin'], ['get', 'vs.v1beta1.networking.istio.io/httpbin']]) {
      const result = await cli([...argv, '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), VS);
    }
    const wrong = await cli(['get', 'gateways.gateway.networking.k8s.io']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, `error: the server doesn't have a resource type "gateways.gateway.networking.k8s.io" (meshgate's Gateway is gateways.networking.istio.io)\n`);
    const mixed = await cli(['get', 'vs', 'vs/httpbin']);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /KIND\/NAME form/);
  });

  it('get -o wide adds the destinations of a VirtualService', async () => {
    const result = await cli(['get', 'vs', '-o', 'wide']);
    assert.equal(
      result.stdout,
      ['NAMESPACE   NAME      HOSTS                 GATEWAYS          DESTINATIONS', 'default     httpbin   httpbin.example.com   httpbin-gateway   httpbin.default.svc.cluster.local:8000', ''].join('\n'),
    );
  });

  it('delete several names goes on past a missing one and exits 1; --ignore-not-found exits 0', async () => {
    const result = await cli(['delete', 'vs', 'a', 'b']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'virtualservice.networking.istio.io "a" deleted\n');
    assert.equal(result.stderr, `error: VirtualService default/b not found (MG_ERR_NOT_FOUND; server ${server.url})\n`);
    const ignored = await cli(['delete', 'virtualservices.networking.istio.io', 'b', 'a', '--ignore-not-found']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.equal(ignored.stdout, 'virtualservice.networking.istio.io "a" deleted\n');
  });

  it('delete -f deletes the objects the file describes, in their namespaces', async () => {
    const file = path.join(work, 'shop.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: web\n  namespace: shop\nspec: {}\n');
    const result = await cli(['delete', '-f', 'shop.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'namespace "shop" deleted\ngateway.networking.istio.io "web" deleted\n');
    const requests = server.requests.filter((request) => request.method === 'DELETE').slice(-2).map((request) => request.path);
    assert.deepEqual(requests, ['/v1/resources/Namespace/_/shop', '/v1/resources/Gateway/shop/web']);
    const clash = await cli(['delete', '-f', 'shop.yaml', '-n', 'other']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /the namespace of the object \(shop\) does not match the namespace given \(other\); nothing was deleted/);
  });

  it('describe shows identity, the derived status, the spec and the events that shaped the object', async () => {
    const result = await cli(['describe', 'ingressbackend/second']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'Name:         second',
        'Namespace:    default',
        'Kind:         IngressBackend (ingressbackend.policy.openservicemesh.io)',
        'API Version:  policy.openservicemesh.io/v1alpha1',
        'Labels:       <none>',
        'Annotations:  <none>',
        'Status:       rejected: conflicts with IngressBackend default/first on backend httpbin:80',
        'Spec:',
        '  backends:',
        '    - name: httpbin',
        '      port:',
        '        number: 80',
        '        protocol: http',
        '  sources:',
        '    - kind: Service',
        '      name: nginx',
        '      namespace: ingress',
        'Events:',
        '  SEQ   TIME                       ACTION       SOURCE                    CHANGED',
        '  #3    2025-01-01T00:00:00.000Z   created      api',
        '  #5    2025-01-01T00:01:00.000Z   configured   manifests:backends.yaml   spec.backends[0].port.number',
        '',
      ].join('\n'),
    );
  });

  it('apply --dry-run prints the warnings, the object fields and per proxy the xDS resources that would change', async () => {
    const result = await cli(['apply', '-f', '-', '--dry-run'], 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: httpbin\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Warning: IngressBackend default/second is rejected: conflicts with IngressBackend default/first on backend httpbin:80\n');
    assert.equal(
      result.stdout,
      [
        'endpoints/httpbin configured (dry run)',
        '',
        '~ endpoints/httpbin -n default',
        '    ~ subsets[0].addresses[0].ip: "10.0.0.1" → "10.0.0.2"',
        '',
        'proxy ingress-1 (ingress-gateway envoy, istio-system)',
        '  ~ ClusterLoadAssignment outbound|8000||httpbin.default.svc.cluster.local',
        '      ~ endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "10.0.0.1" → "10.0.0.2"',
        '1 of 3 connected proxies would change',
        '',
      ].join('\n'),
    );
  });

  it('apply --progress on many documents reports the files, the send and the answer on stderr; a small apply stays quiet', async () => {
    const dir = path.join(work, 'many');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    for (let file = 0; file < 30; file++) {
      const docs = Array.from({ length: 4 }, (_, index) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${file * 4 + index}\n`);
      await writeFile(path.join(dir, `f${String(file).padStart(2, '0')}.yaml`), docs.join('---\n'));
    }
    const result = await cli(['apply', '-f', 'many', '--progress']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n');
    assert.equal(lines[0], 'read 30 files');
    assert.match(lines[1], new RegExp(`^sending 120 documents \\(\\d+\\.\\d KiB\\) to ${server.url.replace(/[.]/g, '\\.')}; `));
    assert.match(lines[2], /^answered in \d+\.\d s: 120 objects \(60 created, 60 unchanged\)$/);
    assert.equal(result.stdout.split('\n').length, 121);
    const quiet = await cli(['apply', '-f', '-', '--progress'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n');
    assert.equal(quiet.stderr, '');
  });

  it('completion bash completes commands, kinds, option choices and proxy-config types when run by bash', async () => {
    const script = await cli(['completion', 'bash']);
    assert.equal(script.code, 0);
    const file = path.join(work, 'meshgate.bash');
    await writeFile(file, script.stdout);
    const complete = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const program = `source ${JSON.stringify(file)}; read -ra COMP_WORDS <<< ${JSON.stringify(line)}; [[ ${JSON.stringify(line)} == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _meshgate; echo "\${COMPREPLY[*]}"`;
        execFile('bash', ['-c', program], { encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
      });
    assert.equal(await complete('meshgate bl'), 'blame');
    assert.equal(await complete('meshgate get virtuals'), 'virtualservices');
    assert.equal(await complete('meshgate get vs -o '), 'table wide json yaml');
    assert.equal(await complete('meshgate proxy-config cl'), 'cluster');
    assert.equal(await complete('meshgate ca r'), 'rotate');
    assert.equal(await complete('meshgate completion z'), 'zsh');
    const zsh = await cli(['completion', 'zsh']);
    assert.match(zsh.stdout, /^#compdef meshgate\n/);
    const fish = await cli(['completion', 'fish']);
    assert.equal(fish.code, 1);
  });
});

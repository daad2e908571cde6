/**
 * `meshgate create secret` and `delete secret` with the seeds' own kubectl command lines, against
 * the embedded meshgate in memory: the bytes come back only from the authenticated
 * `GET /v1/secrets/NS/NAME` (ca-admin), the resource shows digests, a deleted Secret is gone.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const TOKEN = 'cli-secret-test-token-0123456789abcdef';
const READER = 'cli-secret-reader-token-0123456789abcd';

describe('meshgate create secret / delete secret (the seeds’ kubectl lines)', { timeout: 90_000 }, () => {
  let running: RunningMeshgate;
  let work: string;
  let ca: PemPair;
  let httpbin: PemPair;
  let other: PemPair;
  const cli = (argv: string[]) => runCli(argv, { server: running.apiUrl, env: { MESHGATE_TOKEN: TOKEN, MESHGATE_API_TOKEN: TOKEN }, cwd: work });
  const secretBytes = async (namespace: string, name: string, token = TOKEN) => {
    const response = await fetch(`${running.apiUrl}/v1/secrets/${namespace}/${name}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { type?: string; data?: Record<string, string> } };
  };
  const resource = async (namespace: string, name: string) => {
    const response = await fetch(`${running.apiUrl}/v1/resources/secrets/${namespace}/${name}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: response.status, text: await response.text() };
  };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-secret-'));
    ca = opensslCa();
    httpbin = opensslLeaf(ca, 'httpbin.example.com', 0);
    other = opensslLeaf(ca, 'helloworld-v1.example.com', 1);
    await writeFile(path.join(work, 'httpbin.example.com.key'), httpbin.keyPem);
    await writeFile(path.join(work, 'httpbin.example.com.crt'), httpbin.certPem);
    await writeFile(path.join(work, 'example.com.crt'), ca.certPem);
    await writeFile(path.join(work, 'trusted.crt'), ca.certPem);
    await mkdir(path.join(work, 'alb_certs'));
    await writeFile(path.join(work, 'alb_certs', 'client.crt'), other.certPem);
    await writeFile(path.join(work, 'alb_certs', 'client.key'), other.keyPem);
    const tokensFile = path.join(work, 'tokens.yaml');
    await writeFile(tokensFile, `- name: viewer\n  token: ${READER}\n  scopes: [read]\n`);
    running = await startMeshgate({ memory: true, apiToken: TOKEN, tokensFile, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
  });
  after(async () => {
    await running?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('kubectl create -n istio-system secret tls httpbin-credential --key=… --cert=…', async () => {
    const created = await cli(['create', '-n', 'istio-system', 'secret', 'tls', 'httpbin-credential', '--key=httpbin.example.com.key', '--cert=httpbin.example.com.crt']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'secret/httpbin-credential created\n');
    assert.equal(created.stderr, '');
    const bytes = await secretBytes('istio-system', 'httpbin-credential');
    assert.equal(bytes.status, 200);
    assert.equal(bytes.body.type, 'kubernetes.io/tls');
    assert.equal(Buffer.from(bytes.body.data?.['tls.key'] ?? '', 'base64').toString(), httpbin.keyPem);
    const shown = await resource('istio-system', 'httpbin-credential');
    assert.ok(shown.text.includes(createHash('sha256').update(httpbin.keyPem).digest('hex')) && !shown.text.includes('PRIVATE KEY'));
    assert.equal((await secretBytes('istio-system', 'httpbin-credential', READER)).status, 403, 'a read token does not read bytes');

    const again = await cli(['create', '-n', 'istio-system', 'secret', 'tls', 'httpbin-credential', '--key=httpbin.example.com.key', '--cert=httpbin.example.com.crt']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /secrets "httpbin-credential" already exists/);
  });

  it('kubectl -n istio-system delete secret …, then create secret generic --from-file=tls.key=… --from-file=tls.crt=… --from-file=ca.crt=…', async () => {
    const deleted = await cli(['-n', 'istio-system', 'delete', 'secret', 'httpbin-credential']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'secret "httpbin-credential" deleted\n');
    assert.equal((await secretBytes('istio-system', 'httpbin-credential')).status, 404);
    const created = await cli([
      'create', '-n', 'istio-system', 'secret', 'generic', 'httpbin-credential',
      '--from-file=tls.key=httpbin.example.com.key', '--from-file=tls.crt=httpbin.example.com.crt', '--from-file=ca.crt=example.com.crt',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const bytes = await secretBytes('istio-system', 'httpbin-credential');
    assert.equal(bytes.body.type, 'Opaque');
    assert.deepEqual(Object.keys(bytes.body.data ?? {}), ['ca.crt', 'tls.crt', 'tls.key']);

    // The embedded xds serves what the embedded api stored (one deployment key): a gateway of
    // istio-system gets the pair and the CA, a sidecar nothing.
    const credentials = running.xds.credentials;
    assert.ok(credentials, 'the embedded xds serves gateway credentials');
    const gateway = { id: 'embedded-gw', role: 'ingress-gateway' as const, namespace: 'istio-system', serviceAccount: 'gw', labels: {}, client: 'envoy' as const, ips: [] };
    const names = new Set(['kubernetes://httpbin-credential', 'kubernetes://httpbin-credential-cacert']);
    if (!credentials.prepare(gateway, names)) await once(credentials, 'changed');
    assert.deepEqual([...credentials.secretsFor(gateway).keys()].sort(), [...names].sort());
    const sidecar = { ...gateway, id: 'embedded-sidecar', role: 'sidecar' as const };
    credentials.prepare(sidecar, names);
    assert.equal(credentials.secretsFor(sidecar).size, 0);
  });

  it('seed 001: --from-file=PATH (key = base name) and the NAME-cacert Secret; a mismatched pair is created with a warning', async () => {
    const created = await cli(['create', 'secret', 'generic', 'alb-certs', '-n', 'istio-system', '--from-file=trusted.crt', '--from-file=alb_certs/client.crt', '--from-file=alb_certs/client.key']);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(Object.keys((await secretBytes('istio-system', 'alb-certs')).body.data ?? {}), ['client.crt', 'client.key', 'trusted.crt']);
    const cacert = await cli(['create', '-n', 'istio-system', 'secret', 'generic', 'gw-secret-cacert', '--from-file=ca.crt=trusted.crt']);
    assert.equal(cacert.code, 0, cacert.stderr);

    const mismatched = await cli(['create', 'secret', 'tls', 'nginx-server-certs', '--key', 'alb_certs/client.key', '--cert', 'httpbin.example.com.crt']);
    assert.equal(mismatched.code, 0, mismatched.stderr);
    assert.equal(mismatched.stdout, 'secret/nginx-server-certs created\n');
    assert.equal(mismatched.stderr, 'Warning: secret/nginx-server-certs: tls.key does not match the certificate in tls.crt\n');
    const listed = await cli(['get', 'secrets']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /NAME\s+TYPE\s+DATA\s+PROBLEMS\n/);
    assert.match(listed.stdout, /nginx-server-certs\s+kubernetes\.io\/tls\s+2\s+tls\.key does not match the certificate in tls\.crt/);
  });

  it('kubectl delete --ignore-not-found=true -n istio-system secret A B, and delete secrets NAME -n NS', async () => {
    const deleted = await cli(['delete', '--ignore-not-found=true', '-n', 'istio-system', 'secret', 'httpbin-credential', 'helloworld-credential']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'secret "httpbin-credential" deleted\n');
    const plural = await cli(['delete', 'secrets', 'alb-certs', '-n', 'istio-system']);
    assert.equal(plural.code, 0, plural.stderr);
    assert.equal((await secretBytes('istio-system', 'alb-certs')).status, 404);
    assert.deepEqual((await running.infra.store.listSecrets('kubernetes-secret/istio-system/alb-certs/')).length, 0, 'the payload is deleted with the Secret');
  });

  it('refuses what it cannot do, naming no value', async () => {
    const missing = await cli(['create', 'secret', 'tls', 'x', '--cert', 'httpbin.example.com.crt']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /create secret tls needs --cert FILE and --key FILE/);
    const literal = await cli(['create', 'secret', 'generic', 'x', '--from-literal=oops']);
    assert.equal(literal.code, 1);
    assert.doesNotMatch(literal.stderr, /oops/);
  });
});

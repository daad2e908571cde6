/** `meshgate analyze`: files offline (seed 002's typo, exit 79), and the server's state over REST. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

const GATEWAY = `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: mygateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: httpbin-credential}
    hosts: [httpbin.example.com]
`;
const VIRTUAL_SERVICE = (gateway: string) => `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: ["httpbin.example.com"]
  gateways: [${gateway}]
  http:
  - match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]
    route: [{destination: {port: {number: 8000}, host: httpbin}}]
---
apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec: {selector: {app: httpbin}, ports: [{name: http, port: 8000}]}
`;

/** What `kubectl create secret tls NAME --key K --cert C --dry-run=client -o yaml` writes. */
const SECRET = (pair: PemPair, key = pair.keyPem) => `apiVersion: v1
kind: Secret
metadata: {name: httpbin-credential}
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(pair.certPem).toString('base64')}
  tls.key: ${Buffer.from(key).toString('base64')}
`;

describe('meshgate analyze', { timeout: TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let server: CannedServer;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshgate-analyze-'));
    await fs.mkdir(path.join(dir, 'typo'));
    await fs.writeFile(path.join(dir, 'typo', 'gateway.yaml'), GATEWAY);
    await fs.writeFile(path.join(dir, 'typo', 'vs.yaml'), VIRTUAL_SERVICE('httpbin-gateway'));
    const ca = opensslCa();
    const leaf = opensslLeaf(ca, 'httpbin.example.com', 0);
    const other = opensslLeaf(ca, 'httpbin.example.com', 1);
    await fs.writeFile(path.join(dir, 'typo', 'secret.yaml'), SECRET(leaf));
    await fs.writeFile(path.join(dir, 'fixed.yaml'), `${GATEWAY}---\n${VIRTUAL_SERVICE('mygateway')}---\n${SECRET(leaf)}`);
    await fs.writeFile(path.join(dir, 'mismatch.yaml'), `${GATEWAY}---\n${VIRTUAL_SERVICE('mygateway')}---\n${SECRET(leaf, other.keyPem)}`);
    const message = { code: 'IST0132', name: 'VirtualServiceHostNotFoundInGateway', level: 'Warning', object: { kind: 'VirtualService', namespace: 'default', name: 'vs' }, path: 'spec.hosts', message: 'one or more host [b] defined in VirtualService default/vs not found in Gateway default/gw.' };
    const posted = { ...message, code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', object: { kind: 'VirtualService', namespace: 'default', name: 'httpbin' }, origin: 'document 2', message: 'Referenced gateway not found: "default/x"' };
    server = await CannedServer.start({ 'GET /v1/analyze': { json: { sequence: 12, messages: [message] } }, 'POST /v1/analyze': { json: { sequence: 12, messages: [posted] } } });
  });
  after(async () => {
    server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('offline: reports seed 002\'s typo (IST0101) with its file, and exits 79', async () => {
    const result = await runCli(['analyze', '-f', 'typo'], { cwd: dir, server: 'http://127.0.0.1:1' });
    assert.equal(result.code, 79, result.stderr);
    assert.equal(result.stdout, 'Error [IST0101] (VirtualService default/httpbin typo/vs.yaml (document 1)) Referenced gateway not found: "default/httpbin-gateway"\n');
  });

  it('offline: clean files exit 0 and say so; -o json gives the messages', async () => {
    const clean = await runCli(['analyze', '-f', 'fixed.yaml'], { cwd: dir });
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(clean.stdout, '');
    assert.equal(clean.stderr, '\u2714 No validation issues found when analyzing fixed.yaml.\n');
    const json = await runCli(['analyze', '-f', 'typo', '-o', 'json'], { cwd: dir });
    assert.equal(json.code, 79);
    const [message] = JSON.parse(json.stdout) as { code: string; name: string; path: string }[];
    assert.deepEqual([message.code, message.name, message.path], ['IST0101', 'ReferencedResourceNotFound', 'spec.gateways']);
  });

  it('offline: a Secret file whose key does not match its certificate is IST0161 on the Gateway, as apply would say', async () => {
    const result = await runCli(['analyze', '-f', 'mismatch.yaml'], { cwd: dir });
    assert.equal(result.code, 79, result.stderr);
    assert.match(result.stdout, /^Error \[IST0161\] \(Gateway default\/mygateway mismatch\.yaml \(document 1\)\) invalid certificate reference httpbin-credential of port 443 .*tls\.key does not match the certificate in tls\.crt/);
    assert.ok(!result.stdout.includes('PRIVATE KEY'));
  });

  it("without -f: the server's stored state; a warning alone does not fail unless the threshold says so", async () => {
    const result = await runCli(['analyze'], { server: server.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Warning [IST0132] (VirtualService default/vs) one or more host [b] defined in VirtualService default/vs not found in Gateway default/gw.\n');
    assert.equal(server.requests.at(-1)?.path, '/v1/analyze');
    const strict = await runCli(['analyze', '--failure-threshold', 'Warning'], { server: server.url });
    assert.equal(strict.code, 79);
    const quiet = await runCli(['analyze', '--output-threshold', 'Error'], { server: server.url });
    assert.equal(quiet.stdout, '');
  });

  it('-f with --use-server: the files go to POST /v1/analyze, and messages name their file again', async () => {
    const result = await runCli(['analyze', '-f', 'fixed.yaml', '--use-server'], { cwd: dir, server: server.url });
    assert.equal(result.code, 79, result.stderr);
    assert.equal(result.stdout, 'Error [IST0101] (VirtualService default/httpbin fixed.yaml (document 2)) Referenced gateway not found: "default/x"\n');
    const request = server.requests.at(-1);
    assert.equal(request?.method, 'POST');
    assert.equal((JSON.parse(request?.body ?? '[]') as unknown[]).length, 4, 'every document of the files (the Secret too), as one JSON array');
    assert.equal((await runCli(['analyze', '--use-server'], { server: server.url })).code, 1, '--use-server needs -f');
  });
});

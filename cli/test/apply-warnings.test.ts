/**
 * Against a real meshgate (embedded, in memory, port 0): `meshgate apply` prints what is accepted
 * but not applied and what the analysis says, as `Warning:` lines; a change to an ignored field
 * is `configured`; a misspelt field is refused; `meshgate analyze` reports on the server's state,
 * and on files on top of it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const TOKEN = 'cli-test-token-warnings-0123456789abcdef';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: httpbin}\nspec: {selector: {app: httpbin}, ports: [{name: http, port: 8000}]}\n';
const GATEWAY = 'apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: mygateway}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [httpbin.example.com]\n';
const VIRTUAL_SERVICE = (gateway: string, mirror: string, extra = '') =>
  `apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: httpbin}\nspec:\n  hosts: [httpbin.example.com]\n  gateways: [${gateway}]\n  http:\n  - route: [{destination: {host: httpbin, port: {number: 8000}}}]\n    mirror: {host: ${mirror}}${extra}\n`;

describe('apply warnings and analyze against a running meshgate', () => {
  let running: RunningMeshgate;
  let work: string;
  const cli = (argv: string[], stdin?: string) => runCli(argv, { server: running.apiUrl, env: { MESHGATE_API_TOKEN: TOKEN }, cwd: work, stdin });

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-warnings-'));
    running = await startMeshgate({ memory: true, apiToken: TOKEN, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
  });
  after(async () => {
    await running?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('apply prints the Warning lines; an ignored field changed is configured; a typo is refused', async () => {
    const first = await cli(['apply', '-f', '-'], [SERVICE, GATEWAY, VIRTUAL_SERVICE('httpbin-gateway', 'shadow')].join('---\n'));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'service/httpbin created\ngateway.networking.istio.io/mygateway created\nvirtualservice.networking.istio.io/httpbin created\n');
    assert.equal(
      first.stderr,
      'Warning: VirtualService default/httpbin: spec.http[0].mirror: traffic mirroring is not implemented by meshgate; nothing is mirrored (kept as given, not applied)\n' +
        'Warning: Error [IST0101] (VirtualService default/httpbin) Referenced gateway not found: "default/httpbin-gateway"\n',
    );
    const changed = await cli(['apply', '-f', '-'], VIRTUAL_SERVICE('mygateway', 'shadow-v2'));
    assert.equal(changed.stdout, 'virtualservice.networking.istio.io/httpbin configured\n');
    const typo = await cli(['apply', '-f', '-'], VIRTUAL_SERVICE('mygateway', 'shadow-v2', '\n    timout: 5s'));
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^document 1 \(VirtualService httpbin\): spec\.http\[0\]\.timout: unknown field \(did you mean timeout\?\)\n/);
  });

  it("analyze: the server's state, and a file on top of it", async () => {
    const clean = await cli(['analyze']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stderr, /No validation issues found when analyzing the state of http:\/\/127\.0\.0\.1:\d+ at #\d+/);
    await writeFile(path.join(work, 'vs.yaml'), VIRTUAL_SERVICE('httpbin-gateway', 'shadow').replace('name: httpbin}', 'name: other}'));
    const withServer = await cli(['analyze', '-f', 'vs.yaml', '--use-server']);
    assert.equal(withServer.code, 79, withServer.stderr);
    assert.deepEqual(withServer.stdout.trim().split('\n'), [
      'Error [IST0101] (VirtualService default/other vs.yaml (document 1)) Referenced gateway not found: "default/httpbin-gateway"',
      'Warning [MG0001] (VirtualService default/other vs.yaml (document 1)) spec.http[0].mirror: traffic mirroring is not implemented by meshgate; nothing is mirrored (kept as given, not applied)',
    ]);
  });
});

/** `meshgate apply` against a canned REST API. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CannedServer, TEST_TIMEOUT_MS, runCli } from './support.js';

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: [httpbin.example.com]
`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: httpbin, namespace: httpbin}\n';
const GATEWAY_JSON = JSON.stringify({ apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: { name: 'ingress' } });

describe('meshgate apply', { timeout: TEST_TIMEOUT_MS }, () => {
  let directory: string;

  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'meshgate-cli-apply-'));
    fs.writeFileSync(path.join(directory, 'vs.yaml'), VIRTUAL_SERVICE);
    fs.mkdirSync(path.join(directory, 'dir'));
    fs.writeFileSync(path.join(directory, 'dir', 'a.yaml'), `${SERVICE}---\n${VIRTUAL_SERVICE}`);
    fs.writeFileSync(path.join(directory, 'dir', 'b.json'), GATEWAY_JSON);
    fs.writeFileSync(path.join(directory, 'dir', 'notes.txt'), 'not a manifest');
    fs.mkdirSync(path.join(directory, 'broken'));
    fs.writeFileSync(path.join(directory, 'broken', 'a.yaml'), SERVICE);
    fs.writeFileSync(path.join(directory, 'broken', 'b.yaml'), 'kind: Service\nmetadata: {name: [x\n');
  });

  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('sends one file as written and prints what happened to each object, kubectl style', async () => {
    const server = await CannedServer.start({
      'POST /v1/apply': {
        json: {
          sequence: 7,
          results: [
            { kind: 'VirtualService', namespace: 'default', name: 'httpbin', action: 'created' },
            { kind: 'Service', namespace: 'httpbin', name: 'httpbin', action: 'unchanged' },
            { kind: 'Gateway', namespace: 'default', name: 'ingress', action: 'configured' },
          ],
        },
      },
    });
    try {
      const result = await runCli(['apply', '-f', 'vs.yaml'], { server: server.url, cwd: directory });
      assert.equal(result.code, 0);
      assert.equal(
        result.stdout,
        'virtualservice.networking.istio.io/httpbin created\nservice/httpbin unchanged\ngateway.networking.istio.io/ingress configured\n',
      );
      assert.equal(result.stderr, '');
      const [request] = server.requests;
      assert.equal(request.body, VIRTUAL_SERVICE);
      assert.equal(request.headers['content-type'], 'application/yaml');
      assert.equal(request.query.get('dryRun'), null);
    } finally {
      await server.close();
    }
  });

  it('sends a directory as one request and traces a 422 back to the file and document', async () => {
    const server = await CannedServer.start({
      'POST /v1/apply': {
        status: 422,
        json: {
          code: 'MG_ERR_INVALID',
          message: '2 problems in 2 documents; nothing was written',
          errors: [
            { document: 1, kind: 'VirtualService', name: 'httpbin', path: 'spec.http', message: 'required' },
            { document: 2, kind: 'Gateway', name: 'ingress', path: 'spec.servers', message: 'must have at least one server' },
          ],
        },
      },
    });
    try {
      const result = await runCli(['apply', '-f', 'dir'], { server: server.url, cwd: directory });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        [
          'dir/a.yaml: document 2 (VirtualService httpbin): spec.http: required',
          'dir/b.json: document 1 (Gateway ingress): spec.servers: must have at least one server',
          `error: 2 problems in 2 documents; nothing was written (MG_ERR_INVALID; server ${server.url})`,
          '',
        ].join('\n'),
      );
      assert.equal(server.requests.length, 1, 'all files go in one request');
      const [request] = server.requests;
      assert.equal(request.headers['content-type'], 'application/json');
      const sent: unknown = JSON.parse(request.body);
      assert.ok(Array.isArray(sent));
      assert.deepEqual(
        sent.map((document: { kind?: unknown }) => document.kind),
        ['Service', 'VirtualService', 'Gateway'],
      );
    } finally {
      await server.close();
    }
  });

  it('reads stdin for -f -, prints a 400 with the source and position, and exits 1', async () => {
    const server = await CannedServer.start({
      'POST /v1/apply': {
        status: 400,
        json: { code: 'MG_ERR_MALFORMED', message: 'malformed input at line 3, column 1: Unexpected end', line: 3, column: 1 },
      },
    });
    try {
      const result = await runCli(['apply', '-f', '-'], { server: server.url, stdin: 'kind: Service\nmetadata: {name: [x\n' });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `error: <stdin>: malformed input at line 3, column 1: Unexpected end (MG_ERR_MALFORMED; server ${server.url})\n`);
      assert.equal(server.requests[0].body, 'kind: Service\nmetadata: {name: [x\n');
    } finally {
      await server.close();
    }
  });

  it('asks for a dry run with --dry-run and says so', async () => {
    const server = await CannedServer.start({
      'POST /v1/apply': { json: { sequence: 3, dryRun: true, results: [{ kind: 'VirtualService', namespace: 'default', name: 'httpbin', action: 'configured' }] } },
    });
    try {
      const result = await runCli(['apply', '--dry-run', '-f', path.join(directory, 'vs.yaml')], { server: server.url });
      assert.equal(result.code, 0);
      assert.equal(result.stdout, 'virtualservice.networking.istio.io/httpbin configured (dry run)\n');
      assert.equal(server.requests[0].query.get('dryRun'), 'true');
    } finally {
      await server.close();
    }
  });

  it('names the file and line of a syntax error in a directory, and sends nothing', async () => {
    const server = await CannedServer.start({});
    try {
      const result = await runCli(['apply', '-f', 'broken'], { server: server.url, cwd: directory });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: broken\/b\.yaml:\d+:\d+: .*; nothing was sent\n$/);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it('needs -f', async () => {
    const result = await runCli(['apply'], { server: 'http://127.0.0.1:9' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: apply needs at least one -f FILE, -f DIR or -f -\n');
  });

  it('reports a file that does not exist', async () => {
    const result = await runCli(['apply', '-f', 'missing.yaml'], { server: 'http://127.0.0.1:9', cwd: directory });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: cannot read missing\.yaml: ENOENT/);
  });
});

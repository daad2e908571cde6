/**
 * Every command that talks to the server sends the resolved token, and a 401/403 says what the
 * server needs (its message names the scope) and where the token came from. Against a canned
 * server that records headers and refuses everything, then against a real embedded meshgate
 * with a read-only token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { CannedServer, runCli, TEST_TIMEOUT_MS, type Route } from './support.js';

const TOKEN = 'cli-token-test-0123456789abcdef';
const READER = 'cli-reader-token-0123456789abcdef';
const NAMESPACE_YAML = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-cli\n';

/** Each command, and the request it makes first. */
const COMMANDS: { argv: string[]; request: string }[] = [
  { argv: ['apply', '-f', '-'], request: 'POST /v1/apply' },
  { argv: ['delete', 'vs', 'httpbin'], request: 'DELETE /v1/resources/VirtualService/default/httpbin' },
  { argv: ['get', 'vs'], request: 'GET /v1/resources/VirtualService/default' },
  { argv: ['events'], request: 'GET /v1/events' },
  { argv: ['events', '--follow'], request: 'GET /v1/events/stream' },
  { argv: ['proxy-status'], request: 'GET /v1/proxies' },
  { argv: ['proxy-config', 'gateway-1'], request: 'GET /v1/proxies/gateway-1/config' },
  { argv: ['compile'], request: 'GET /v1/compile' },
  { argv: ['cert', 'get', 'osm-system/client', '--out', 'never'], request: 'GET /v1/secrets/osm-system/client' },
  { argv: ['cert', 'files', '--identity', 'bookbuyer.bookstore', '--out', 'never'], request: 'POST /v1/ca/issue' },
  { argv: ['ca', 'rotate'], request: 'POST /v1/ca/rotate' },
  { argv: ['ca', 'drop-inactive-roots'], request: 'POST /v1/ca/drop-inactive-roots' },
];

describe('every command sends the token; a refusal names the scope and the token source', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: CannedServer;
  let work: string;
  before(async () => {
    const refuse: Route = { status: 403, json: { code: 'MG_ERR_FORBIDDEN', message: 'the token "ci" lacks the "write" scope that this endpoint needs (it has: read)' } };
    server = await CannedServer.start(Object.fromEntries(COMMANDS.map((command) => [command.request, refuse])));
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-token-'));
  });
  after(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  for (const command of COMMANDS) {
    it(`meshgate ${command.argv.join(' ')}`, async () => {
      const sent = server.requests.length;
      const result = await runCli(command.argv, { server: server.url, env: { MESHGATE_API_TOKEN: TOKEN }, cwd: work, stdin: NAMESPACE_YAML });
      const request = server.requests[sent];
      assert.ok(request, 'a request was sent');
      assert.equal(`${request.method} ${request.path}`, command.request);
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `error: the token "ci" lacks the "write" scope that this endpoint needs (it has: read) (MG_ERR_FORBIDDEN; server ${server.url})\n` +
          'hint: the token from MESHGATE_API_TOKEN was refused; pass a token with that scope with --token, MESHGATE_API_TOKEN or MESHGATE_API_TOKEN_FILE (`meshgate up` writes its API token, every scope, to <data dir>/api-token, MESHGATE_DATA_DIR, default ./.meshgate)\n',
      );
    });
  }

  it('--token before or after the command wins over the environment', async () => {
    for (const argv of [['--token', 'flag-token-0123456789abc', 'get', 'vs'], ['get', 'vs', '--token', 'flag-token-0123456789abc']]) {
      const sent = server.requests.length;
      const result = await runCli(argv, { server: server.url, env: { MESHGATE_API_TOKEN: TOKEN }, cwd: work });
      assert.equal(server.requests[sent]?.headers.authorization, 'Bearer flag-token-0123456789abc');
      assert.match(result.stderr, /hint: the token from --token was refused/);
    }
  });
});

describe('against a running meshgate with a read-only token', { timeout: 60_000 }, () => {
  let running: RunningMeshgate;
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-reader-'));
    const tokensFile = path.join(work, 'tokens.yaml');
    await writeFile(tokensFile, `- name: viewer\n  token: ${READER}\n  scopes: [read]\n`);
    running = await startMeshgate({ memory: true, apiToken: TOKEN, tokensFile, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
  });
  after(async () => {
    await running?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const cli = (argv: string[], env: NodeJS.ProcessEnv, stdin?: string) => runCli(argv, { server: running.apiUrl, env, cwd: work, stdin });

  it('the API token applies; the reader gets but cannot apply; nobody gets without a token', async () => {
    const applied = await cli(['apply', '-f', '-'], { MESHGATE_API_TOKEN: TOKEN }, NAMESPACE_YAML);
    assert.equal(applied.code, 0, applied.stderr);
    const got = await cli(['get', 'ns', 'from-cli', '-o', 'json'], { MESHGATE_API_TOKEN: READER });
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /"from-cli"/);

    const refused = await cli(['apply', '-f', '-'], { MESHGATE_API_TOKEN: READER }, NAMESPACE_YAML.replace('from-cli', 'by-reader'));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: the token "viewer" lacks the "write" scope that this endpoint needs \(it has: read\) \(MG_ERR_FORBIDDEN; server http:\/\/127\.0\.0\.1:\d+\)\nhint: the token from MESHGATE_API_TOKEN was refused/);
    const anonymous = await cli(['get', 'ns'], {});
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /needs a token with the "read" scope.*\(MG_ERR_UNAUTHENTICATED; server http:\/\/127\.0\.0\.1:\d+\)\nhint: no token was found/);
    const missing = await cli(['get', 'ns', 'by-reader'], { MESHGATE_API_TOKEN: TOKEN });
    assert.equal(missing.code, 1, 'nothing was written');
  });
});

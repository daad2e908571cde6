/**
 * `meshgate cert get`, `meshgate cert files` and `meshgate ca …` against a real meshgate: the
 * embedded run in memory, listening on loopback port 0, with a known API token. The files are
 * checked with openssl; the token comes from --token, the environment or the data directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const TOKEN = 'cli-test-token-0123456789abcdef';
const SECRET = 'osm-system/osm-nginx-client-cert';

const SEED_MESH_CONFIG = `apiVersion: config.openservicemesh.io/v1alpha2
kind: MeshConfig
metadata:
  name: osm-mesh-config
  namespace: osm-system
spec:
  certificate:
    certKeyBitSize: 2048
    ingressGateway:
      secret:
        name: osm-nginx-client-cert
        namespace: osm-system
      subjectAltNames:
      - ingress-nginx.ingress-nginx.cluster.local
      validityDuration: 24h
`;

function opensslVerify(caFile: string, certificateFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/openssl', ['verify', '-CAfile', caFile, certificateFile], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`cannot run openssl: ${error.message}`));
      else resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr });
    });
  });
}

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

describe('meshgate cert and ca against a running meshgate', { timeout: 60_000 }, () => {
  let running: RunningMeshgate;
  let work: string;
  /** The CLI in an empty directory (no ./.meshgate/api-token) with an empty environment unless given. */
  const cli = (argv: string[], env: NodeJS.ProcessEnv = {}, cwd = work) => runCli(argv, { server: running.apiUrl, env, cwd });

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meshgate-cli-cert-'));
    running = await startMeshgate({ memory: true, apiToken: TOKEN, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
    const controller = running.ca.ingressGateway;
    assert.ok(controller, 'the embedded run follows the MeshConfig');
    const published = once(controller, 'published');
    const applied = await runCli(['apply', '-f', '-'], { server: running.apiUrl, stdin: SEED_MESH_CONFIG, env: { MESHGATE_API_TOKEN: TOKEN }, cwd: work });
    assert.equal(applied.code, 0, applied.stderr);
    await published;
  });

  after(async () => {
    await running?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('cert get writes tls.crt, tls.key (0600) and ca.crt, prints their paths, and the certificate verifies', async () => {
    const out = path.join(work, 'nginx');
    const result = await cli(['cert', 'get', SECRET, '--out', 'nginx', '--token', TOKEN]);
    assert.equal(result.code, 0, result.stderr);
    const files = ['tls.crt', 'tls.key', 'ca.crt'].map((name) => path.join(out, name));
    assert.equal(result.stdout, files.map((file) => `${file}\n`).join(''));
    assert.equal(await modeOf(files[1]), 0o600);
    const verified = await opensslVerify(files[2], files[0]);
    assert.equal(verified.code, 0, verified.output);
    const leaf = new X509Certificate(await readFile(files[0]));
    assert.equal(leaf.subjectAltName, 'DNS:ingress-nginx.ingress-nginx.cluster.local');
    assert.match(await readFile(files[1], 'utf8'), /BEGIN PRIVATE KEY/);
  });

  it('finds the token in MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE, and ./.meshgate/api-token', async () => {
    assert.equal((await cli(['cert', 'get', SECRET, '--out', 'by-env'], { MESHGATE_API_TOKEN: TOKEN })).code, 0);
    const tokenFile = path.join(work, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    assert.equal((await cli(['cert', 'get', SECRET, '--out', 'by-file'], { MESHGATE_API_TOKEN_FILE: tokenFile })).code, 0);
    const project = path.join(work, 'project');
    await mkdir(path.join(project, '.meshgate'), { recursive: true });
    await writeFile(path.join(project, '.meshgate', 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
    const byDataDir = await cli(['cert', 'get', SECRET, '--out', 'out'], {}, project);
    assert.equal(byDataDir.code, 0, byDataDir.stderr);
    assert.equal(await modeOf(path.join(project, 'out', 'tls.key')), 0o600);
  });

  it('a wrong or missing token: exit 1, the server message and one hint line; nothing written', async () => {
    const wrong = await cli(['cert', 'get', SECRET, '--out', 'wrong', '--token', 'not-the-token-at-all']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, '');
    const lines = wrong.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, wrong.stderr);
    assert.match(lines[0], /^error: the token is not valid for this server \(reading a published secret needs the "ca-secrets" scope\) \(MG_ERR_FORBIDDEN; server http:\/\/127\.0\.0\.1:\d+\)$/);
    assert.match(lines[1], /^hint: the token from --token was refused; pass a token with that scope with --token, MESHGATE_API_TOKEN/);
    await assert.rejects(stat(path.join(work, 'wrong')), { code: 'ENOENT' });

    const none = await cli(['cert', 'get', SECRET, '--out', 'none']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /\(MG_ERR_UNAUTHENTICATED; server http:\/\/127\.0\.0\.1:\d+\)\nhint: no token was found \(no --token, MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE or .*api-token\); /);
  });

  it('a secret nobody published, and a malformed reference, are errors', async () => {
    const missing = await cli(['cert', 'get', 'osm-system/nothing', '--out', 'x', '--token', TOKEN]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `error: secret osm-system/nothing not found (MG_ERR_NOT_FOUND; server ${running.apiUrl})\n`);
    const malformed = await cli(['cert', 'get', 'osm-nginx-client-cert', '--out', 'x', '--token', TOKEN]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /expected NAMESPACE\/NAME/);
  });

  it('cert files writes cert.pem, key.pem (0600) and ca.pem for an identity and prints the file_watcher bootstrap', async () => {
    const out = path.join(work, 'grpc');
    const result = await cli(['cert', 'files', '--identity', 'bookbuyer.bookstore', '--out', out, '--validity', '2h', '--token', TOKEN]);
    assert.equal(result.code, 0, result.stderr);
    const bootstrap: unknown = JSON.parse(result.stdout);
    assert.deepEqual(bootstrap, {
      certificate_providers: {
        default: {
          plugin_name: 'file_watcher',
          config: { certificate_file: path.join(out, 'cert.pem'), private_key_file: path.join(out, 'key.pem'), ca_certificate_file: path.join(out, 'ca.pem'), refresh_interval: '10s' },
        },
      },
    });
    assert.equal(await modeOf(path.join(out, 'key.pem')), 0o600);
    const verified = await opensslVerify(path.join(out, 'ca.pem'), path.join(out, 'cert.pem'));
    assert.equal(verified.code, 0, verified.output);
    const leaf = new X509Certificate(await readFile(path.join(out, 'cert.pem')));
    assert.equal(leaf.subjectAltName, 'DNS:bookbuyer.bookstore.cluster.local, URI:spiffe://cluster.local/ns/bookstore/sa/bookbuyer');
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 2 * 3_600_000 + 60_000);

    const refused = await cli(['cert', 'files', '--identity', 'bookbuyer.bookstore', '--out', path.join(work, 'grpc-refused')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /MG_ERR_UNAUTHENTICATED; server http:\/\/127\.0\.0\.1:\d+\)\nhint: /);
    const badIdentity = await cli(['cert', 'files', '--identity', 'bookbuyer', '--out', out, '--token', TOKEN]);
    assert.equal(badIdentity.code, 1);
    assert.match(badIdentity.stderr, /SERVICE_ACCOUNT\.NAMESPACE/);
  });

  it('ca bundle prints the PEM (no token needed); ca rotate and drop-inactive-roots take the token', async () => {
    const bundle = await cli(['ca', 'bundle']);
    assert.equal(bundle.code, 0, bundle.stderr);
    assert.equal(bundle.stdout, (await running.ca.ca.trustBundle()).pem);

    const refused = await cli(['ca', 'rotate']);
    assert.equal(refused.code, 1);
    assert.equal((await running.ca.ca.trustBundle()).roots.length, 1, 'not rotated');

    const rotated = await cli(['ca', 'rotate', '--token', TOKEN]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const after = await running.ca.ca.trustBundle();
    assert.equal(after.roots.length, 2);
    assert.match(rotated.stdout, new RegExp(`^trust bundle ${after.version}: 2 roots, newest first\\nSHA-256 FINGERPRINT +SUBJECT +NOT AFTER\\n${after.roots[0].fingerprintSha256} `));

    const dropped = await cli(['ca', 'drop-inactive-roots'], { MESHGATE_API_TOKEN: TOKEN });
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, /: 1 root, newest first\n/);
    assert.equal((await running.ca.ca.trustBundle()).roots.length, 1);
  });
});

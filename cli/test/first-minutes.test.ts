/**
 * What a new user meets first: `meshgate version`, a port already in use, and `npm start`
 * (scripts/start.mjs) stopping its server when it is stopped or killed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';
import { runCli } from './support.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliMain = path.join(repoRoot, 'cli/dist/src/main.js');
const PROCESS_TIMEOUT_MS = 120_000;

/** The version both sides report: the cli's and the api's package.json agree (one release). */
function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'cli/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Collects a child's stderr and resolves when a line matches. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        child.stderr?.off('data', onData);
        resolve(match[0]);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${pattern}: ${text}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether something accepts connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until the port stops answering; fails after `boundMs` (a bound on an orphan, not a timing figure). */
async function untilClosed(port: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (await answers(port)) {
    if (Date.now() > deadline) throw new Error(`port ${port} still answers after ${boundMs} ms: the server outlived its parent`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('meshgate version', () => {
  let running: RunningMeshgate;
  before(async () => {
    running = await startMeshgate({ memory: true, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0 } });
  });
  after(async () => {
    await running.stop();
  });

  it('prints the client version and the server version with the server it asked', async () => {
    const result = await runCli(['version'], { server: running.apiUrl });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `client version: ${cliVersion()}\nserver version: ${cliVersion()} (${running.apiUrl})\n`);
  });

  it('--client asks no server', async () => {
    const result = await runCli(['version', '--client'], { server: 'http://127.0.0.1:1' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `client version: ${cliVersion()}\n`);
  });

  it('still prints the client version when the server is not reachable, then says which server', async () => {
    const result = await runCli(['version'], { server: 'http://127.0.0.1:1' });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, `client version: ${cliVersion()}\n`);
    assert.match(result.stderr, /not reachable at http:\/\/127\.0\.0\.1:1 /);
  });

  it('the embedded default listens on 127.0.0.1', () => {
    assert.equal(running.config.apiHost, '127.0.0.1');
    assert.equal(running.config.xdsHost, '127.0.0.1');
    assert.match(running.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('starting meshgate as a process', { timeout: PROCESS_TIMEOUT_MS }, () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'meshgate-first-minutes-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a REST API port in use is one line naming MESHGATE_API_PORT and --api-port, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const child = spawn(process.execPath, [cliMain, 'up', '--data-dir', path.join(dataDir, 'taken'), '--xds-port', '0', '--xds-secure-port', '0'], {
        env: { ...process.env, MESHGATE_API_PORT: String(address.port), MESHGATE_GRPC_PORT: '0', MESHGATE_LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await exited(child);
      assert.equal(code, 1, stderr);
      assert.equal(
        stderr,
        `error: the REST API port 127.0.0.1:${address.port} is already in use: set MESHGATE_API_PORT or pass --api-port to choose another (0 picks a free one)\n`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  for (const variable of ['DATABASE_URL', 'NATS_URL'] as const) {
    it(`an unreachable ${variable} is one line naming it, exit 1`, async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const address = closed.address();
      assert.ok(address !== null && typeof address === 'object');
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MESHGATE_LOG_LEVEL: 'silent',
        MESHGATE_CA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      };
      env[variable] = variable === 'DATABASE_URL' ? `postgres://postgres:secret@127.0.0.1:${address.port}/meshgate` : `nats://127.0.0.1:${address.port}`;
      const child = spawn(process.execPath, [cliMain, 'up', '--api-port', '0', '--xds-port', '0', '--xds-secure-port', '0', '--grpc-port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await exited(child);
      assert.equal(code, 1, stderr);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^error: .*${variable}.*127\\.0\\.0\\.1:${address.port}`));
      assert.ok(!stderr.includes('secret'), 'the password is not shown');
    });
  }

  it('a kubeconfig that cannot be read is one line naming it, exit 1', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'meshgate-kubeconfig-'));
    try {
      const missing = path.join(dataDir, 'no-such-kubeconfig');
      const env: NodeJS.ProcessEnv = { ...process.env, MESHGATE_LOG_LEVEL: 'silent' };
      delete env.DATABASE_URL;
      delete env.NATS_URL;
      const child = spawn(process.execPath, [cliMain, 'up', '--data-dir', dataDir, '--kubeconfig', missing, '--api-port', '0', '--xds-port', '0', '--xds-secure-port', '0', '--grpc-port', '0'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await exited(child);
      assert.equal(code, 1, stderr);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.ok(lines[0].startsWith('error: ') && lines[0].includes(missing), stderr);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  for (const [how, signal] of [
    ['stopped (SIGTERM)', 'SIGTERM'],
    ['killed (SIGKILL)', 'SIGKILL'],
  ] as const) {
    it(`npm start's runner ${how} takes the server with it`, async () => {
      const runner = spawn(process.execPath, [path.join(repoRoot, 'scripts/start.mjs'), '--data-dir', path.join(dataDir, signal), '--api-port', '0', '--xds-port', '0', '--xds-secure-port', '0', '--grpc-port', '0'], {
        cwd: repoRoot,
        env: { ...process.env, MESHGATE_GRPC_PORT: '0', MESHGATE_LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const line = await waitForOutput(runner, /REST API http:\/\/127\.0\.0\.1:(\d+)/);
      const port = Number(/:(\d+)$/.exec(line)?.[1]);
      assert.ok(await answers(port), 'the server answers while its runner lives');
      runner.kill(signal);
      await exited(runner);
      await untilClosed(port, 30_000);
    });
  }
});

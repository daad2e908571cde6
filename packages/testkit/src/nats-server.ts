/**
 * A nats-server of the test's own (JetStream, loopback, a free port, a temporary store), for
 * tests that stop the broker: the shared one at NATS_URL must keep running for everyone else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { freeLoopbackPort } from './ports.js';

/** `NATS_SERVER_BIN`, else Debian's /usr/sbin/nats-server, else `nats-server` on the PATH. */
function natsServerBinary(): string {
  return process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
}

export interface PrivateNatsServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: the clients see the connection drop, not a goodbye). */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and removes its store. */
  dispose(): Promise<void>;
}

export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const port = await freeLoopbackPort();
  const storeDir = await mkdtemp(path.join(tmpdir(), 'meshgate-nats-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const spawned = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = spawned;
    let stderr = '';
    spawned.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Ready once it accepts connections; bounded so that a server that cannot start fails the test.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (spawned.exitCode !== null) throw new Error(`nats-server exited with ${String(spawned.exitCode)}: ${stderr}`);
      if (await accepts(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    spawned.kill('SIGKILL');
    throw new Error(`nats-server did not listen on 127.0.0.1:${port}: ${stderr}`);
  };

  const kill = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    async dispose() {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

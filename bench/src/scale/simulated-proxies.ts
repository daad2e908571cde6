/**
 * The simulated proxies (`sim-proxies.ts`) in their own process, driven over IPC by the scale and
 * debounce benches: `started`, `connect` → `ready`, `stats`, `close`, and any other command
 * (`send`) with the message it answers (`next`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const simScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sim-proxies.js');

export interface SimulatorStats {
  /** Bytes of DiscoveryResponses received, all proxies together. */
  bytes: number;
  /** DiscoveryResponses received, all proxies together. */
  responses: number;
  /** CPU time of the simulator process (user + system). */
  cpuMs: number;
  /** Streams that ended without being closed (each proxy then reconnected). */
  streamFailures: number;
}

export class SimulatedProxies {
  private readonly child: ChildProcess;
  private readonly waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];

  /** `env`: the simulator's settings (SIM_PORT, SIM_COUNT, …); `execArgv`: more Node flags (a CPU profile). */
  constructor(env: Record<string, string>, execArgv: readonly string[] = []) {
    this.child = fork(simScript, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096', ...execArgv] });
    this.child.on('message', (m: Record<string, unknown>) => {
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
  }

  started(): Promise<unknown> {
    return this.next('started');
  }

  /** Opens every proxy's stream; resolves once all ACKed every type. */
  async connect(): Promise<void> {
    const ready = this.next('ready');
    this.child.send({ cmd: 'connect' });
    await ready;
  }

  async stats(): Promise<SimulatorStats> {
    const reply = this.next('stats');
    this.child.send({ cmd: 'stats' });
    const m = await reply;
    return { bytes: Number(m.bytes), responses: Number(m.responses), cpuMs: Number(m.cpuMs), streamFailures: Number(m.streamFailures) };
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ cmd: 'close' });
    await exited;
  }

  /** Sends a command (`reconnect`, `ceiling-open`, …). */
  send(message: Record<string, unknown>): void {
    this.child.send(message);
  }

  /** The next message of `type` from the simulator. */
  next(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
}

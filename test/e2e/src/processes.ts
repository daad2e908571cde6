/** Starts meshgate's services as real child processes for the distributed e2e tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './rest.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export type ServiceName = 'api' | 'xds' | 'watcher' | 'ca';

export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGKILL: no clean shutdown, as a crash would be. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

export function serviceEntry(name: ServiceName): string {
  return path.join(repoRoot, 'services', name, 'dist', 'src', 'main.js');
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export function startService(name: ServiceName, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [serviceEntry(name)], {
    env: { ...process.env, MESHGATE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return {
    name,
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child);
    },
  };
}

/** Waits until `url` answers 200, failing with the process output if it exits or the deadline passes. */
export async function waitReady(service: ServiceProcess, url: string, deadlineMs = 30000): Promise<void> {
  await eventually(
    `${service.name} to be ready at ${url}`,
    async () => {
      if (service.child.exitCode !== null) throw new Error(`${service.name} exited with ${service.child.exitCode}:\n${service.output()}`);
      const response = await fetch(url).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    },
    deadlineMs,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- ${service.name} output ---\n${service.output()}`);
  });
}

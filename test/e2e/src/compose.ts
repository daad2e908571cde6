/**
 * docker-compose.yml as `docker-compose config` resolves it, and the variables each meshgate
 * process reads — recorded by running the real config readers on an environment that notes
 * every name asked for, so the list cannot drift from the code.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentialSourcesFromEnv, loadCaClientToken } from '@meshgate/auth';
import { loadConfig, logFormat } from '@meshgate/runtime';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const DOCKER_COMPOSE = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((file) => existsSync(file));

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: (string | { target: number; published?: number | string })[];
  secrets?: (string | { source: string; target?: string })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, unknown> | string[];
  networks?: Record<string, unknown> | string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose config`: validates the file and prints it resolved (env files inlined). */
export async function composeConfig(): Promise<ComposeFile> {
  if (!DOCKER_COMPOSE) throw new Error('docker-compose is not installed');
  const { stdout } = await promisify(execFile)(DOCKER_COMPOSE, ['-f', path.join(REPO_ROOT, 'docker-compose.yml'), 'config'], { cwd: REPO_ROOT });
  return parse(stdout) as ComposeFile;
}

/** The names `read` asks of its environment. */
export function variablesRead(read: (env: NodeJS.ProcessEnv) => unknown): Set<string> {
  const names = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, name) {
      if (typeof name === 'string') names.add(name);
      return undefined;
    },
  });
  read(env);
  return names;
}

/** What each service's main.ts hands its environment to (see services/<name>/src/main.ts). */
export const SERVICE_READERS: Record<'api' | 'ca' | 'xds' | 'watcher', ((env: NodeJS.ProcessEnv) => unknown)[]> = {
  api: [loadConfig, credentialSourcesFromEnv, (env) => logFormat(env, false)],
  ca: [loadConfig, credentialSourcesFromEnv, (env) => logFormat(env, false)],
  xds: [loadConfig, loadCaClientToken, (env) => logFormat(env, false)],
  watcher: [loadConfig, (env) => logFormat(env, false)],
};

export function serviceVariables(service: keyof typeof SERVICE_READERS): Set<string> {
  const names = new Set<string>();
  for (const reader of SERVICE_READERS[service]) for (const name of variablesRead(reader)) names.add(name);
  return names;
}

export function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return Number(port.target);
    const match = /:(\d+)(\/\w+)?$/.exec(port) ?? /^(\d+)$/.exec(port);
    if (!match) throw new Error(`unreadable port ${port}`);
    return Number(match[1]);
  });
}

export function secretNames(service: ComposeService): string[] {
  return (service.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
}

export function commandWords(service: ComposeService): string[] {
  const command = service.command ?? [];
  return (Array.isArray(command) ? command : [command]).flatMap((word) => word.split(/\s+/)).filter((w) => w !== '');
}

/**
 * Test harness: where the real Postgres and NATS are, and a fresh database per test file.
 *
 * Order of preference: a testcontainers-managed container where a Docker engine answers is the
 * CI ideal; on machines without one, `DATABASE_URL` / `NATS_URL`, else the local servers on their
 * standard ports. A test that cannot reach what it needs fails with a message saying so — it
 * never skips silently.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

function canConnect(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function requireReachable(url: string, what: string, defaultPort: number, hint: string): Promise<void> {
  const parsed = new URL(url);
  const port = Number(parsed.port || defaultPort);
  if (!(await canConnect(parsed.hostname, port))) {
    throw new Error(`${what} is not reachable at ${parsed.hostname}:${port} (${url}). ${hint}`);
  }
}

let containerUrls: Promise<{ postgres: string; nats: string } | undefined> | undefined;

/**
 * Where a Docker engine answers (and MESHGATE_TESTCONTAINERS is not "off"), one PostgreSQL and
 * one NATS container per test process, through testcontainers (its reaper removes them when the
 * process ends). undefined when no engine answers: the caller falls back to the local servers.
 */
function containers(): Promise<{ postgres: string; nats: string } | undefined> {
  containerUrls ??= (async () => {
    if (process.env.MESHGATE_TESTCONTAINERS === 'off') return undefined;
    const tc = await import('testcontainers');
    const engine = await Promise.race([
      tc.getContainerRuntimeClient().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref()),
    ]);
    if (!engine) return undefined;
    const postgres = await new tc.GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const nats = await new tc.GenericContainer('nats:2').withCommand(['-js']).withExposedPorts(4222).withWaitStrategy(tc.Wait.forLogMessage(/Server is ready/)).start();
    return {
      postgres: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
      nats: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    };
  })();
  return containerUrls;
}

/**
 * The admin URL of a reachable Postgres server, or an error naming what is missing:
 * DATABASE_URL, else a testcontainers container where Docker answers, else the local server.
 */
export async function postgresAdminUrl(): Promise<string> {
  const url = process.env.DATABASE_URL ?? (await containers())?.postgres ?? DEFAULT_DATABASE_URL;
  await requireReachable(url, 'PostgreSQL', 5432, 'Set DATABASE_URL, run a Docker engine for testcontainers, or start the local server (see .ci/run).');
  return url;
}

/** The URL of a reachable NATS server with JetStream (NATS_URL, else a container, else local), or an error naming what is missing. */
export async function natsUrl(): Promise<string> {
  const url = process.env.NATS_URL ?? (await containers())?.nats ?? DEFAULT_NATS_URL;
  await requireReachable(url, 'NATS', 4222, 'Set NATS_URL, run a Docker engine for testcontainers, or start nats-server with -js (see .ci/run).');
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the real Postgres server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'mg_test'): Promise<TestDatabase> {
  const adminUrl = await postgresAdminUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A unique name for per-test NATS streams, consumers or subjects. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Collects values pushed by a handler; `waitFor(n)` resolves once n have arrived — tests wait on this, never sleep. */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters: { count: number; resolve: (items: T[]) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (this.items.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve([...this.items]);
      }
    }
  }

  waitFor(count: number): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve([...this.items]);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/** The token test servers are given (the single API token: every scope). At least 16 characters, as servers require. */
export const TEST_API_TOKEN = 'meshgate-test-api-token-0123456789';

/** `{authorization: 'Bearer <token>'}`, for fetch headers or gRPC-free requests. */
export function bearer(token: string = TEST_API_TOKEN): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** fastify `inject()` options with the token's `Authorization` header added (the test token by default). */
export function withToken<T extends object>(options: T, token: string = TEST_API_TOKEN): T & { headers: Record<string, string> } {
  const headers = 'headers' in options && typeof options.headers === 'object' && options.headers !== null ? (options.headers as Record<string, string>) : {};
  return { ...options, headers: { ...headers, ...bearer(token) } };
}
export { probeHealth, STALL_BOUND_MS, type StallProbe, type StallReport } from './stall-probe.js';
export { startPrivateNatsServer, type PrivateNatsServer } from './nats-server.js';
export { freeLoopbackPort } from './ports.js';
export { FakeKubeApiServer, APPLY_PATCH_CONTENT_TYPE, type KubeObject, type KubeResourceType, type RecordedPatch } from './kube-apiserver.js';

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
export { reflectionServices } from './reflection-client.js';
export { opensslCa, opensslLeaf, opensslVerifies, type PemPair } from './tls.js';

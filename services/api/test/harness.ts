/**
 * A built api over a real store and bus: PGlite in memory and the in-process bus unless the test
 * hands in others. Log lines are kept in `logs` so that tests can look at what was logged.
 */
import type { Bus } from '@meshgate/bus';
import { openBus } from '@meshgate/bus';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { StateFollower } from '@meshgate/follower';
import { Credentials } from '@meshgate/auth';
import { GrpcServer } from '@meshgate/grpc-api';
import { eventually as pollUntil, TEST_API_TOKEN, withToken } from '@meshgate/testkit';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { AppliedSecretPayloads } from '@meshgate/secrets';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApiApp } from '../src/app.js';
import type { ProxySource } from '../src/options.js';

export type LogRecord = Record<string, unknown>;

export interface Harness {
  /** The app itself: `app.inject` sends what the test gives, no token added. */
  app: FastifyInstance;
  /** `app.inject` with the test token (every scope, unless `credentials` say otherwise) added. */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  store: EventStore;
  bus: Bus;
  follower: StateFollower;
  registry: Registry;
  logs: LogRecord[];
  /** `127.0.0.1:port` of the api's gRPC services, when the harness was asked for them (`grpc: true`). */
  grpcAddress?: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A store the test owns (and closes); by default the harness opens PGlite in memory and closes it. */
  store?: EventStore;
  /** A bus the test owns (and closes); by default the harness opens an in-process bus and closes it. */
  bus?: Bus;
  bodyLimitBytes?: number;
  proxies?: ProxySource;
  consumeChanges?: boolean;
  /** Start the follower before building the app (default true). */
  startFollower?: boolean;
  /** The tokens the api accepts; default: TEST_API_TOKEN with every scope. */
  credentials?: Credentials;
  /** The follower's poll for a lost doorbell (its default otherwise). */
  followerPollIntervalMs?: number;
  readyMaxLag?: number;
  /** Serve Resources, Events and Proxies on a gRPC server too (loopback, a free port). */
  grpc?: boolean;
  /** Where applied Secrets' payloads go; without it, Secrets are refused. */
  secretPayloads?: AppliedSecretPayloads;
}

export function capturingLogger(logs: LogRecord[]) {
  return pino(
    { level: 'debug' },
    {
      write(line: string) {
        const record: unknown = JSON.parse(line);
        if (typeof record === 'object' && record !== null) logs.push({ ...record });
      },
    },
  );
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const store = options.store ?? (await openEventStore({ memory: true }));
  const bus = options.bus ?? (await openBus({ redeliveryDelayMs: 20 }));
  const ownsStore = options.store === undefined;
  const ownsBus = options.bus === undefined;
  const follower = new StateFollower({ store, bus, pollIntervalMs: options.followerPollIntervalMs });
  if (options.startFollower !== false) await follower.start();
  const logs: LogRecord[] = [];
  const registry = new Registry();
  const grpcServer = options.grpc ? new GrpcServer() : undefined;
  const app = await buildApiApp({
    store,
    bus,
    follower,
    logger: capturingLogger(logs),
    registry,
    credentials: options.credentials ?? Credentials.adminToken(TEST_API_TOKEN),
    bodyLimitBytes: options.bodyLimitBytes,
    proxies: options.proxies,
    consumeChanges: options.consumeChanges,
    readyMaxLag: options.readyMaxLag,
    grpcServer,
    secretPayloads: options.secretPayloads,
  });
  await app.ready();
  const grpcPort = await grpcServer?.listen('127.0.0.1', 0);
  return {
    app,
    inject: (request) => app.inject(withToken(request)),
    store,
    bus,
    follower,
    registry,
    logs,
    ...(grpcPort === undefined ? {} : { grpcAddress: `127.0.0.1:${grpcPort}` }),
    async close() {
      await grpcServer?.stop();
      await app.close();
      await follower.close();
      if (ownsBus) await bus.close();
      if (ownsStore) await store.close();
    },
  };
}

/** testkit's `eventually`, with the five-second default these tests were written against. */
export function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  return pollUntil(what, check, timeoutMs);
}

/**
 * The real store with some methods replaced, to make it fail the way an unreachable database
 * would; everything else runs against the store itself.
 */
export function storeWithOverrides(store: EventStore, overrides: Partial<EventStore>): EventStore {
  return new Proxy(store, {
    get(target, property) {
      const override: unknown = Reflect.get(overrides, property);
      if (override !== undefined) return override;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The real store, with every call first yielding to the event loop as a network round trip
 * would. PGlite answers within one chain of microtasks, so without this two requests never
 * interleave in process and races between writers cannot happen.
 */
export function storeWithRoundTrips(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setImmediate(resolve));
        return value.apply(target, args);
      };
    },
  });
}

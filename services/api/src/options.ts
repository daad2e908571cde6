/**
 * What the api is built from. `main.ts` (or the embedded runner) opens the store and the bus,
 * creates the follower and hands them in; tests do the same with PGlite and the in-process bus.
 */
import type { Credentials } from '@meshgate/auth';
import type { GrpcServer } from '@meshgate/grpc-api';
import type { Bus } from '@meshgate/bus';
import type { CompileOptions } from '@meshgate/compiler';
import type { EventStore } from '@meshgate/eventlog';
import type { StateFollower } from '@meshgate/follower';
import type { AppliedSecretPayloads } from '@meshgate/secrets';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ApplyService } from './apply-service.js';
import type { DocumentParser } from './document-parser.js';
import type { HistoricalStates } from './history/states-at.js';
import type { InputLimits } from './input-limits.js';

/** Connected proxies and their compiled configuration, as the xds service reports them. */
export interface ProxySource {
  list(): Promise<unknown[]> | unknown[];
  /** undefined when no proxy with this id is connected. */
  config(id: string): Promise<unknown> | unknown;
}

export interface ApiAppOptions {
  store: EventStore;
  bus: Bus;
  follower: StateFollower;
  logger: Logger;
  registry: Registry;
  /**
   * The tokens the api accepts (`loadCredentials` of @meshgate/auth): reads need `read`, apply and
   * delete `write`. `Credentials.none()` refuses every request but health, readiness, metrics and /docs.
   */
  credentials: Credentials;
  /** `/readyz` fails while the follower is more than this many events behind the log. Default 1000. */
  readyMaxLag?: number;
  /** Largest accepted request body. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Bounds on what one apply may parse and write (`input-limits.ts`); each defaults. */
  inputLimits?: Partial<InputLimits>;
  /** Present when an xds service runs alongside; without it the proxy endpoints answer 503. */
  proxies?: ProxySource;
  /** Suffix used to qualify short host names. Default as the model's (`cluster.local`). */
  clusterDomain?: string;
  /** The mesh trust domain, for what `GET /v1/compile` shows. Default `cluster.local`. */
  trustDomain?: string;
  /** The mesh whose monitored namespaces count, for what `GET /v1/compile` shows. Default `osm`. */
  meshName?: string;
  /**
   * A gRPC server to add Resources, Events and Proxies to (same context, same tokens). Its owner
   * binds and stops it: the api's main its own, the embedded run the one it shares with the CA.
   */
  grpcServer?: Pick<GrpcServer, 'add' | 'onStop'>;
  /**
   * Consume ResourceChanged messages from the bus (durable `meshgate-api`) while the app runs:
   * started when the app is ready, stopped when it closes. Default true.
   */
  consumeChanges?: boolean;
  /**
   * Where applied Secrets' payloads are stored, encrypted under the deployment key (the CA's,
   * MESHGATE_CA_ENCRYPTION_KEY[_FILE]). Without it, applying a Secret is refused.
   */
  secretPayloads?: AppliedSecretPayloads;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** What the route modules need; built once by `buildApiApp`. */
export interface RouteContext {
  store: EventStore;
  follower: StateFollower;
  applyService: ApplyService;
  logger: Logger;
  registry: Registry;
  proxies?: ProxySource;
  /** Parses apply bodies off the event loop. */
  parser: DocumentParser;
  limits: InputLimits;
  /** States at past log positions (history routes, `?at=`). */
  history: HistoricalStates;
  /** What compiles are made with (`GET /v1/compile`, history, dry-run diffs). */
  compile: CompileOptions;
}

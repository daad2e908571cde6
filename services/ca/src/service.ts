/**
 * The ca service, started: the CA on the given store and bus, its REST app and its gRPC server,
 * the published secrets, and — given the MeshState — the ingress gateway certificate that the
 * MeshConfig asks for. `main.ts` (its own process) and the embedded run both start it through here.
 */
import type { Bus, Subscription } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { Credentials } from '@meshgate/auth';
import { GrpcServer } from '@meshgate/grpc-api';
import type { MeshgateConfig } from '@meshgate/runtime';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createCa, type MeshCa } from './authority.js';
import { SecretCipher } from '@meshgate/secrets';
import { createInProcessCa, type CaClient } from './grpc/client.js';
import { registerCaGrpcService } from './grpc/server.js';
import { buildCaHttpApp } from './http/app.js';
import type { CaRouteAccess } from './http/routes.js';
import { IngressGatewayCertificates, type IngressGatewayCertificatesOptions, type MeshStateSource } from './ingress-gateway-certificates.js';
import { AppliedSecretPayloads, appliedSecretReader, firstSecretReader, SecretStore } from '@meshgate/secrets';
import { JoinTokens } from './join-tokens.js';
import { caOptionsFromConfig } from './settings.js';

export interface StartCaServiceOptions {
  config: Pick<MeshgateConfig, 'ca' | 'trustDomain' | 'dataDir' | 'grpcPort'> & Partial<Pick<MeshgateConfig, 'certRenewFraction' | 'readyMaxLag'>>;
  store: EventStore;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /**
   * With no encryption key configured, generate one into `<dataDir>/ca-encryption.key` (0600)
   * instead of refusing to start. For the embedded default only: with a shared Postgres the
   * key must come from the operator (MESHGATE_CA_ENCRYPTION_KEY_FILE or _KEY).
   */
  allowGeneratedEncryptionKey: boolean;
  /** Serve REST on `config.ca.httpPort` and gRPC on `config.grpcPort` (default true). */
  listen?: boolean;
  /**
   * A gRPC server shared with other services (the embedded run's): the CA registers its service
   * there and its owner binds and stops it. Only with `listen: false`.
   */
  grpcServer?: Pick<GrpcServer, 'add'>;
  /**
   * The tokens accepted on REST and gRPC (`loadCredentials` of @meshgate/auth). Without them,
   * every route but the trust bundle refuses every request.
   */
  credentials?: Credentials;
  /** Shorthand for `credentials: Credentials.adminToken(apiToken)`: the single token, every scope. */
  apiToken?: string;
  /**
   * The MeshState to follow (a `StateFollower` on the same log): with it, the service issues and
   * publishes the certificate that the MeshConfig's `certificate.ingressGateway` asks for.
   */
  meshState?: MeshStateSource;
  /** Tests: the ingress gateway controller's timer and clock, or where OSM's MeshConfig lives. */
  ingressGateway?: Pick<IngressGatewayCertificatesOptions, 'checkIntervalMs' | 'now' | 'meshConfigNamespace'>;
  /** Tests pass a clock and the randomness of serials. */
  now?: () => Date;
  randomBytes?: (size: number) => Buffer;
}

export interface RunningCaService {
  ca: MeshCa;
  /** The CA as other services in this process take it (`createInProcessCa`). */
  client: CaClient;
  /** The secrets the CA publishes (encrypted in the event store). */
  secrets: SecretStore;
  /** The payloads of applied Secrets, under the same deployment key (the embedded api and xds use it). */
  appliedSecrets: AppliedSecretPayloads;
  /** The deployment key's cipher (the embedded watcher seals the cluster's Secrets with it). */
  cipher: SecretCipher;
  /** For `registerCaRoutes(app, service.ca, service.access)` on another app: the token check and the secrets. */
  access: CaRouteAccess;
  /** Running when `meshState` was given. */
  ingressGateway?: IngressGatewayCertificates;
  /** `http://host:port` of the REST app, when listening. */
  httpUrl?: string;
  /** The gRPC port, when listening (the actual one when `config.grpcPort` is 0). */
  grpcPort?: number;
  stop(): Promise<void>;
}

export async function startCaService(options: StartCaServiceOptions): Promise<RunningCaService> {
  const { config, store, bus, logger, registry } = options;
  const settings = caOptionsFromConfig(config, { allowGeneratedEncryptionKey: options.allowGeneratedEncryptionKey });
  const ca = await createCa({ ...settings, store, bus, logger, registry, now: options.now, randomBytes: options.randomBytes });
  logger.info({ trustDomain: settings.trustDomain, signer: ca.activeSignerFingerprint, encryptionKey: settings.encryptionKeySource }, 'certificate authority ready');
  const credentials = options.credentials ?? Credentials.adminToken(options.apiToken);
  if (!credentials.configured) {
    logger.warn('no token configured (MESHGATE_API_TOKEN, MESHGATE_API_TOKEN_FILE or MESHGATE_API_TOKENS_FILE): every CA operation but the trust bundle is refused');
  }
  const cipher = new SecretCipher(settings.encryptionKey);
  const secrets = new SecretStore({ store, cipher, bus, logger });
  // Applied Secrets' payloads share the cipher (the deployment key); with the MeshState, `GET
  // /v1/secrets` reads them too, at the version the state holds.
  const appliedSecrets = new AppliedSecretPayloads({ store, cipher });
  const meshState = options.meshState;
  const readable = meshState === undefined ? secrets : firstSecretReader(secrets, appliedSecretReader(appliedSecrets, () => meshState.current));
  const access: CaRouteAccess = { auth: credentials, secrets: readable, joinTokens: new JoinTokens({ store, trustDomain: settings.trustDomain, now: options.now }) };
  const ingressGateway =
    options.meshState === undefined
      ? undefined
      : new IngressGatewayCertificates({ ...options.ingressGateway, ca, secrets, state: options.meshState, logger, renewFraction: config.certRenewFraction });

  const doorbell = await followBundleChanges(ca, bus, logger);
  let app: FastifyInstance | undefined;
  let server: GrpcServer | undefined;
  let httpUrl: string | undefined;
  let grpcPort: number | undefined;
  const stop = async () => {
    await ingressGateway?.stop();
    await doorbell.unsubscribe();
    await app?.close();
    await server?.stop();
    await ca.close();
  };
  try {
    if (options.grpcServer !== undefined) {
      if (options.listen !== false) throw new Error('grpcServer is for a CA that does not listen itself (listen: false)');
      registerCaGrpcService(options.grpcServer, ca, logger, credentials);
    }
    if (options.listen !== false) {
      const meshState = options.meshState;
      const follower = meshState === undefined ? undefined : { get sequence() { return meshState.current.sequence; } };
      app = await buildCaHttpApp({ ca, store, logger, registry, access, bus: options.bus, follower, maxFollowerLag: config.readyMaxLag });
      const address = await app.listen({ host: config.ca.host, port: config.ca.httpPort });
      httpUrl = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
      server = new GrpcServer();
      registerCaGrpcService(server, ca, logger, credentials);
      grpcPort = await server.listen(config.ca.host, config.grpcPort);
      logger.info({ http: httpUrl, grpcPort }, 'ca service listening');
    }
    await ingressGateway?.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { ca, client: createInProcessCa(ca), secrets, appliedSecrets, cipher, access, ingressGateway, httpUrl, grpcPort, stop };
}

/**
 * When the doorbell rings, another CA process may have rotated the root: the CA checks the
 * bundle's stream version (one cheap read) and reloads if it moved. Rings that arrive during a
 * check are folded into one more check.
 */
async function followBundleChanges(ca: MeshCa, bus: Bus, logger: Logger): Promise<Subscription> {
  let checking = false;
  let again = false;
  const check = async () => {
    checking = true;
    do {
      again = false;
      try {
        await ca.refresh();
      } catch (error) {
        logger.warn({ err: error }, 'could not re-read the trust bundle; will try at the next doorbell');
      }
    } while (again);
    checking = false;
  };
  return bus.onDoorbell(() => {
    if (checking) again = true;
    else void check();
  });
}

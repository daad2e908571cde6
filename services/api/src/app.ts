/**
 * The api service, built but not listening: `main.ts` listens and handles signals; tests use
 * `inject()`. Everything that writes goes through one ApplyService.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Subscription } from '@meshgate/bus';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ApplyService } from './apply-service.js';
import { HistoricalStates } from './history/states-at.js';
import { registerAuthorization } from './auth.js';
import { registerDocumentParsers } from './body-parsers.js';
import { DocumentParser } from './document-parser.js';
import { registerErrorHandling } from './errors.js';
import { registerApiGrpcServices } from './grpc/register.js';
import { startChangeIngestion } from './ingest.js';
import { resolveInputLimits } from './input-limits.js';
import { createApiMetrics, registerRequestMetrics } from './metrics.js';
import { DEFAULT_BODY_LIMIT_BYTES, type ApiAppOptions, type RouteContext } from './options.js';
import { registerAnalyzeRoute } from './routes/analyze.js';
import { registerApplyRoute } from './routes/apply.js';
import { registerCompileRoute } from './routes/compile.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes } from './routes/health.js';
import { ReadinessCheck } from '@meshgate/runtime';
import { registerHistoryRoutes } from './routes/history.js';
import { registerProxyRoutes } from './routes/proxies.js';
import { registerResourceRoutes } from './routes/resources.js';
import { registerVersionRoute } from './routes/version.js';

export async function buildApiApp(options: ApiAppOptions): Promise<FastifyInstance> {
  const { store, bus, follower, logger, registry } = options;
  // Typed as fastify's logger interface so that the instance is a plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Bodies may carry secrets: fastify's request log lines hold method, URL and status only.
  });
  const metrics = createApiMetrics(registry);
  const applyService = new ApplyService({ store, bus, follower, logger, metrics, clusterDomain: options.clusterDomain, secretPayloads: options.secretPayloads });
  const parser = new DocumentParser();
  const compileOptions = { clusterDomain: options.clusterDomain ?? 'cluster.local', trustDomain: options.trustDomain ?? 'cluster.local', meshName: options.meshName ?? 'osm' };
  const context: RouteContext = {
    store,
    follower,
    applyService,
    logger,
    registry,
    proxies: options.proxies,
    parser,
    limits: resolveInputLimits(options.inputLimits),
    history: new HistoricalStates({ store, follower }),
    compile: compileOptions,
  };
  app.addHook('onClose', async () => {
    await parser.close();
  });
  if (options.grpcServer !== undefined) {
    // The gRPC services share this context: one ApplyService, one parser, the same tokens.
    const grpc = registerApiGrpcServices(options.grpcServer, context, { credentials: options.credentials, bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES });
    app.addHook('preClose', async () => grpc.closeWatches());
  }

  // The follower reports read failures as 'error' events, which an EventEmitter throws when nobody
  // listens. Whoever created the follower usually logs them; otherwise the api does.
  if (follower.listenerCount('error') === 0) {
    const onFollowerError = (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry');
    follower.on('error', onFollowerError);
    app.addHook('onClose', async () => {
      follower.off('error', onFollowerError);
    });
  }

  registerErrorHandling(app);
  registerDocumentParsers(app);
  registerRequestMetrics(app, metrics);

  await app.register(swagger, {
    openapi: {
      info: { title: 'meshgate api', version: '1', description: 'Apply, read and delete mesh objects; read and follow the event log.' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token with the scope the route needs: `read` for reads, `write` for apply and delete.' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Open: liveness, readiness, metrics, the version (and /docs above).
  // Until the follower has folded in the head as it stood now, reads would answer from a partial state.
  const readiness = new ReadinessCheck({ store, bus, follower, loadedSequence: await store.headSequence(), maxFollowerLag: options.readyMaxLag });
  registerHealthRoutes(app, context, readiness);
  registerVersionRoute(app);
  // Everything else in its own context, where each route must name its scope (auth.ts).
  await app.register(async (guarded) => {
    registerAuthorization(guarded, options.credentials);
    registerApplyRoute(guarded, context);
    registerResourceRoutes(guarded, context);
    registerEventRoutes(guarded, context);
    registerProxyRoutes(guarded, context);
    registerCompileRoute(guarded, context, compileOptions);
    registerHistoryRoutes(guarded, context);
    registerAnalyzeRoute(guarded, context);
  });

  if (options.consumeChanges !== false) {
    let ingestion: Subscription | undefined;
    app.addHook('onReady', async () => {
      ingestion = await startChangeIngestion({ bus, applyService, logger, metrics, secretPayloads: options.secretPayloads });
    });
    app.addHook('preClose', async () => {
      await ingestion?.unsubscribe();
    });
  }

  return app;
}

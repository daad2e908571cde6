/**
 * Adds Resources, Events and Proxies to a gRPC server (the api's own, or the embedded run's shared
 * one), on the same context as the REST routes and with the same tokens. Returns what ends the
 * open Watch streams, for the api's close.
 */
import type { Credentials } from '@meshgate/auth';
import { authorizeCall, type GrpcServer } from '@meshgate/grpc-api';
import type { RouteContext } from '../options.js';
import type { GrpcContext } from './context.js';
import { grpcErrorFrom } from './errors.js';
import { eventsService } from './events.js';
import { proxiesService } from './proxies.js';
import { resourcesService } from './resources.js';

export interface ApiGrpcOptions {
  credentials: Credentials;
  bodyLimitBytes: number;
}

export function registerApiGrpcServices(server: Pick<GrpcServer, 'add' | 'onStop'>, routeContext: RouteContext, options: ApiGrpcOptions): { closeWatches(): void } {
  const context: GrpcContext = {
    ...routeContext,
    bodyLimitBytes: options.bodyLimitBytes,
    handlerOptions: { logger: routeContext.logger, service: 'api', translate: grpcErrorFrom },
    admit: (metadata, scope) => authorizeCall(options.credentials, metadata, scope),
  };
  const events = eventsService(context);
  server.add('resources', resourcesService(context));
  server.add('events', events.implementation);
  server.add('proxies', proxiesService(context));
  server.onStop(() => events.closeWatches());
  return { closeWatches: () => events.closeWatches() };
}

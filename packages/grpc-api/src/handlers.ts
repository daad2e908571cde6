/**
 * Handler wrappers shared by the services: the handler runs inside a promise, so that anything it
 * throws (a refused token, a bad request, a failure) becomes an answer rather than a crash. A
 * GrpcError is sent as it is; `translate` turns a service's own errors into one; anything else is
 * logged and answered INTERNAL without its message.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcError, statusOf } from './status.js';

/** The part of a pino logger the handlers use. */
export interface ErrorLogger {
  error(object: object, message: string): void;
}

export interface HandlerOptions {
  logger: ErrorLogger;
  /** What to call the service in log lines ("api", "ca"). */
  service: string;
  /** Maps a service's own error type to a GrpcError; undefined for "not mine". */
  translate?: (error: unknown) => GrpcError | undefined;
}

export function statusFor(error: unknown, options: HandlerOptions): Partial<grpc.StatusObject> {
  const known = error instanceof GrpcError ? error : options.translate?.(error);
  if (known) return statusOf(known);
  options.logger.error({ err: error }, `${options.service} gRPC request failed`);
  return statusOf(new GrpcError(grpc.status.INTERNAL, 'MG_ERR_INTERNAL', 'internal error'));
}

export function unary<Request, Response>(options: HandlerOptions, handle: (call: grpc.ServerUnaryCall<Request, Response>) => Promise<Response> | Response): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handle(call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(statusFor(error, options)),
      );
  };
}

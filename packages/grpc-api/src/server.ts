/**
 * One grpc-js server for any set of meshgate's services: it remembers what was added, so that
 * server reflection (@grpc/reflection, v1 and v1alpha) lists exactly those services; it binds
 * once, and stops by first running the owners' stop hooks (e.g. ending open Watch streams), then
 * letting calls in flight finish for a moment before cutting what is left.
 */
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { meshgatePackageDefinition } from './proto.js';
import { SERVICE_NAMES, serviceDefinition, type ServiceKey } from './services.js';

export interface GrpcServerOptions {
  /** Largest request message accepted (grpc-js's default is 4 MiB). */
  maxReceiveMessageBytes?: number;
  /** How long calls in flight may run on after `stop()` before they are cut. Default 2 s. */
  shutdownGraceMs?: number;
}

export class GrpcServer {
  readonly server: grpc.Server;
  private readonly services = new Set<string>();
  private readonly stopHooks: (() => void)[] = [];
  private readonly graceMs: number;
  private bound = false;

  constructor(options: GrpcServerOptions = {}) {
    this.server = new grpc.Server(options.maxReceiveMessageBytes === undefined ? {} : { 'grpc.max_receive_message_length': options.maxReceiveMessageBytes });
    this.graceMs = options.shutdownGraceMs ?? 2000;
  }

  /** Adds one of proto/meshgate/v1's services. Before `listen`. */
  add(key: ServiceKey, implementation: grpc.UntypedServiceImplementation): void {
    if (this.bound) throw new Error(`${SERVICE_NAMES[key]} added after the server started listening`);
    this.server.addService(serviceDefinition(key), implementation);
    this.services.add(SERVICE_NAMES[key]);
  }

  /** The full names of the services added, as reflection lists them. */
  get serviceNames(): string[] {
    return [...this.services];
  }

  /** Runs before the server stops: end what would keep calls open (server streams). */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  /** Adds reflection for the services added so far and binds `host:port` (plaintext); resolves to the port bound. */
  listen(host: string, port: number): Promise<number> {
    if (this.bound) throw new Error('the gRPC server is already listening');
    this.bound = true;
    new ReflectionService(meshgatePackageDefinition(), { services: this.serviceNames }).addToServer(this.server);
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
        // A failed bind leaves the server unusable (reflection is added): start a new one.
        if (error) reject(error);
        else resolve(bound);
      }),
    );
  }

  stop(): Promise<void> {
    for (const hook of this.stopHooks.splice(0)) hook();
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, this.graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

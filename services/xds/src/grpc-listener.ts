/**
 * The xDS ports, listened on here and handed to grpc-js (`createConnectionInjector`), rather than
 * bound by grpc-js: grpc-js listens with Node's default backlog of 511 pending connections, and
 * when a control plane restarts, every proxy reconnects within the same second. With 2,000
 * proxies the queue overflowed, the kernel dropped or reset the excess connections, and those
 * proxies came back only after their retry backoff (Envoy's starts at 500 ms) — a third of a
 * 2,000-gateway reconnect storm was spent idle. The kernel still caps the backlog at
 * `net.core.somaxconn` (4,096 by default on current Linux).
 */
import net from 'node:net';
import type * as grpc from '@grpc/grpc-js';

/** Pending connections the kernel may queue for the xDS ports (capped by `net.core.somaxconn`). */
export const XDS_LISTEN_BACKLOG = 4096;

export interface GrpcListener {
  /** The port as bound (the one asked for, or the free one picked for 0). */
  port: number;
  /**
   * Stops accepting connections at once; resolves when every accepted one has ended — grpc-js
   * closes them (`tryShutdown`), and what is still open after `graceMs` is destroyed.
   */
  close(graceMs?: number): Promise<void>;
}

/** Listens on host:port with a deep backlog; each connection accepted is served by `server` with `credentials`. */
export function listenForGrpc(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials, backlog = XDS_LISTEN_BACKLOG): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(credentials);
  const open = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    injector.injectConnection(socket);
  });
  const close = (graceMs = 2000) =>
    new Promise<void>((done) => {
      // A connection grpc-js did not take to a session (a TLS handshake never finished) is not closed by its shutdown.
      const force = setTimeout(() => {
        for (const socket of open) socket.destroy();
      }, graceMs);
      listener.close(() => {
        clearTimeout(force);
        done();
      });
    });
  return new Promise<GrpcListener>((resolve, reject) => {
    const failed = (error: Error) => {
      injector.destroy();
      reject(error);
    };
    listener.once('error', failed);
    // A bracketed IPv6 literal (`[::]`, as in a gRPC address) is passed to listen bare.
    listener.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port, backlog }, () => {
      listener.off('error', failed);
      const address = listener.address() as net.AddressInfo;
      resolve({ port: address.port, close });
    });
  });
}

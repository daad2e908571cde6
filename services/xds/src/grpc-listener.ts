/**
 * The xDS ports, listened on here and handed to grpc-js (`createConnectionInjector`), rather than
 * bound by grpc-js: grpc-js listens with Node's default backlog of 511 pending connections, and
 * when a control plane restarts, every proxy reconnects within the same second. With 2,000
 * proxies the queue overflowed, the kernel dropped or reset the excess connections, and those
 * proxies came back only after their retry backoff (Envoy's starts at 500 ms) — a third of a
 * 2,000-gateway reconnect storm was spent idle. The kernel still caps the backlog at
 * `net.core.somaxconn` (4,096 by default on current Linux).
 */
import dns from 'node:dns/promises';
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

export interface GrpcListenOptions {
  /** An error of a listening socket after it is bound (an accept failing for want of file descriptors). */
  onError: (error: Error) => void;
  backlog?: number;
}

/**
 * Listens on every address `host` names (as grpc-js binds them: `localhost` is 127.0.0.1 and ::1)
 * at `port` with a deep backlog; each connection accepted is served by `server` with
 * `credentials`. Port 0: the first address picks a free port, the others take the same.
 */
export async function listenForGrpc(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials, options: GrpcListenOptions): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(credentials);
  const open = new Set<net.Socket>();
  const accept = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    injector.injectConnection(socket);
  };
  const listeners: net.Server[] = [];
  let bound = port;
  try {
    for (const [i, address] of (await addressesOf(host)).entries()) {
      const listener = net.createServer(accept);
      try {
        bound = await listenOn(listener, address, bound, options.backlog ?? XDS_LISTEN_BACKLOG);
      } catch (error) {
        // Like grpc-js: an address this machine cannot bind (IPv6 off) is skipped once one is bound.
        const code = (error as NodeJS.ErrnoException).code;
        if (i > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        throw error;
      }
      listener.on('error', options.onError);
      listeners.push(listener);
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    injector.destroy();
    throw error;
  }
  const close = (graceMs = 2000) =>
    new Promise<void>((done) => {
      // A connection grpc-js did not take to a session (a TLS handshake never finished) is not closed by its shutdown.
      const force = setTimeout(() => {
        for (const socket of open) socket.destroy();
      }, graceMs);
      let left = listeners.length;
      for (const listener of listeners) {
        listener.close(() => {
          if (--left > 0) return;
          clearTimeout(force);
          done();
        });
      }
    });
  return { port: bound, close };
}

/** The addresses a host names, once each; a bracketed IPv6 literal (`[::]`, as in a gRPC address) bare. */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(bare) !== 0) return [bare];
  const found = await dns.lookup(bare, { all: true });
  return [...new Set(found.map((entry) => entry.address))];
}

function listenOn(listener: net.Server, address: string, port: number, backlog: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host: address, port, backlog }, () => {
      listener.off('error', reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });
}

/**
 * An xDS-enabled gRPC server (`XdsServer` of @grpc/grpc-js-xds) in the test's own process, for
 * test files whose process is that one xDS node (grpc-js-xds reads one bootstrap per process;
 * `startXdsServerProcess` in xds-server.ts runs one as a child instead). It answers every method
 * of `METHODS` with a JSON `ServerReply`, and its listening socket is IPv4-only on the address it
 * binds.
 *
 * Why the socket is pinned: grpc-js-xds 1.14 listens on the bound *port* of every interface
 * (`net.Server.listen(port)`, its `BoundPortEntry`), which Node makes a dual-stack `[::]` socket.
 * IPv4 peers then appear as `::ffff:a.b.c.d`; grpc-js's RBAC matches no IPv4 CIDR against that
 * and cannot parse IPv4-mapped CIDRs at all, so source-address policies (IngressBackend `Service`
 * and `IPRange` sources) would admit nobody. The entry's TCP server is created by `bindAsync` and
 * only listened on when the first Listener arrives, and only if it is not listening yet — so
 * listening on exactly `ip:port` first, before meshgate sends that Listener, keeps the socket on
 * the address the Listener names (what an Envoy listener would bind). This reaches into
 * grpc-js-xds's internals (`boundPortMap`, `tcpServer`), checked at run time: a version that
 * changes them fails here, loudly.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { useBootstrap } from './bootstrap.js';
import { replyService } from './xds-server.js';

export interface InProcessXdsServer {
  /** `ip:port` as bound (and as the Listener name spells it). */
  address: string;
  /** Resolves once meshgate's Listener for the address is serving (bindAsync's callback). */
  serving: Promise<void>;
  /** The listening socket's address: IPv4 `ip:port`, never `[::]`. */
  socketAddress(): net.AddressInfo | string | null;
  stop(): void;
}

const require = createRequire(import.meta.url);

/** Loads grpc-js-xds with the RBAC filter enabled (a flag it reads once, when it loads). */
async function loadGrpcXds(): Promise<typeof import('@grpc/grpc-js-xds')> {
  process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
  const grpcXds = await import('@grpc/grpc-js-xds');
  const environment: unknown = require('@grpc/grpc-js-xds/build/src/environment.js');
  if (typeof environment !== 'object' || environment === null || Reflect.get(environment, 'EXPERIMENTAL_RBAC') !== true) {
    throw new Error('@grpc/grpc-js-xds was loaded in this process before GRPC_XDS_EXPERIMENTAL_RBAC was set: server listeners with RBAC would be NACKed');
  }
  grpcXds.register(); // the router and RBAC filters of server listeners are unknown without it
  return grpcXds;
}

/** The TCP server grpc-js-xds created for `address` in bindAsync (internal; see the module comment). */
function boundTcpServer(server: object, address: string): net.Server {
  const ports: unknown = Reflect.get(server, 'boundPortMap');
  const entry: unknown = ports instanceof Map ? ports.get(address) : undefined;
  const tcpServer: unknown = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'tcpServer') : undefined;
  if (!(tcpServer instanceof net.Server)) {
    throw new Error(`cannot find the TCP server of XdsServer port ${address}: @grpc/grpc-js-xds internals changed (boundPortMap / tcpServer); the IPv4 pinning needs updating`);
  }
  if (tcpServer.listening) throw new Error(`the TCP server of XdsServer port ${address} already listens: it must be pinned before meshgate sends its Listener`);
  return tcpServer;
}

function listen(tcpServer: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen({ host, port }, () => {
      tcpServer.off('error', reject);
      resolve();
    });
  });
}


/**
 * Installs `bootstrap` for this process, starts an XdsServer with `XdsServerCredentials` over
 * insecure fallback credentials (TLS comes from meshgate's Listener and the bootstrap's
 * certificate provider) and binds it to `ip:port`, pinned to IPv4. Call it before meshgate has a
 * Listener for the address (before the Service that selects the node is applied).
 */
export async function startInProcessXdsServer(options: { name: string; ip: string; port: number; bootstrap: Record<string, unknown> }): Promise<InProcessXdsServer> {
  if (net.isIPv4(options.ip) === false) throw new Error(`the in-process XdsServer binds IPv4 addresses only, got ${options.ip}`);
  useBootstrap(options.bootstrap);
  const grpcXds = await loadGrpcXds();
  const address = `${options.ip}:${options.port}`;
  const server = new grpcXds.XdsServer();
  const { definition, handlers } = replyService(options.name);
  server.addService(definition, handlers);
  const serving = new Promise<void>((resolve, reject) => {
    // bindAsync calls back only once a Listener matching the address is serving.
    server.bindAsync(address, new grpcXds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (error) => (error ? reject(error) : resolve()));
  });
  const tcpServer = boundTcpServer(server, address);
  await listen(tcpServer, options.ip, options.port);
  return { address, serving, socketAddress: () => tcpServer.address(), stop: () => server.forceShutdown() };
}

/**
 * An xDS-enabled gRPC server (`XdsServer` of @grpc/grpc-js-xds) as a child process of an e2e
 * test: grpc-js-xds reads one bootstrap per process, so the server needs a process of its own to
 * be a node apart from the test's client. Started by `startXdsServerProcess` (xds-server.ts).
 *
 * Environment: `GRPC_XDS_BOOTSTRAP_CONFIG` (its bootstrap), `GRPC_XDS_EXPERIMENTAL_RBAC=true`,
 * `E2E_XDS_SERVER_ADDRESS` (`ip:port` to bind) and `E2E_XDS_SERVER_NAME`. It prints
 * `serving <address>` once meshgate's Listener for that address is serving, and exits when its
 * parent closes stdin or sends SIGTERM. Every method answers with a JSON `ServerReply`: who
 * served, and what the server saw of the connection's security.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { replyService, XDS_SERVER_ADDRESS_ENV, XDS_SERVER_NAME_ENV } from './xds-server.js';

const address = process.env[XDS_SERVER_ADDRESS_ENV];
const name = process.env[XDS_SERVER_NAME_ENV] ?? 'xds-server';
if (!address) {
  console.error(`${XDS_SERVER_ADDRESS_ENV} is not set`);
  process.exit(2);
}

grpcXds.register(); // the router and RBAC filters of server listeners are unknown without it

const { definition, handlers } = replyService(name);

const server = new grpcXds.XdsServer();
server.addService(definition, handlers);
server.bindAsync(address, new grpcXds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (error) => {
  if (error) {
    console.error(`bind ${address} failed: ${error.message}`);
    process.exit(1);
  }
  // bindAsync calls back only once a Listener matching the address is serving.
  console.log(`serving ${address}`);
});

function shutDown(): void {
  server.forceShutdown();
  process.exit(0);
}
process.on('SIGTERM', shutDown);
// The parent holds stdin open; when it goes away (even killed), so does this server.
process.stdin.on('end', shutDown);
process.stdin.resume();

/**
 * MG0002 HttpRoutesOnPassthroughServer: a VirtualService with http routes and no tls routes bound
 * to a Gateway server that passes TLS through (PASSTHROUGH): the gateway never decrypts, so the
 * http routes can never match. The compiler warns the same at compile time.
 */
import { hostsOverlap, parseServerHost } from '@meshgate/compiler';
import { HTTP_ROUTES_ON_PASSTHROUGH_SERVER } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { describeObject, gatewaysByRef, virtualServices } from './objects.js';

export const passthroughHttpRoutes: Analyzer = {
  name: 'virtualservice.passthroughhttp',
  types: [HTTP_ROUTES_ON_PASSTHROUGH_SERVER],
  analyze({ state }) {
    const known = gatewaysByRef(state);
    const messages: AnalysisMessage[] = [];
    for (const vs of virtualServices(state)) {
      if (vs.spec.http.length === 0 || (vs.spec.tls ?? []).length > 0) continue;
      const namespace = vs.metadata.namespace ?? '';
      for (const ref of vs.spec.gateways) {
        const gateway = known.get(ref);
        if (!gateway) continue;
        const servers = gateway.spec.servers.filter(
          (server) =>
            server.tls?.mode === 'PASSTHROUGH' &&
            server.hosts
              .map((host) => parseServerHost(host, gateway.metadata.namespace ?? ''))
              .some((host) => (host.namespace === '*' || host.namespace === namespace) && vs.spec.hosts.some((vsHost) => hostsOverlap(host.host, vsHost))),
        );
        for (const server of servers) {
          messages.push(
            messageOf(
              HTTP_ROUTES_ON_PASSTHROUGH_SERVER,
              vs,
              `http routes cannot serve port ${server.port.number} of ${describeObject(gateway)}: it passes TLS through undecrypted; use tls routes with sniHosts.`,
              'spec.http',
            ),
          );
        }
      }
    }
    return messages;
  },
};

/**
 * The ONE place that names xDS resources. A contract between producer and consumer.
 *
 * The xds service, the CLI (`proxy-config`), dashboards and end-to-end tests read these names;
 * Envoy and gRPC clients subscribe to them (a proxyless client asks LDS for the very string it
 * was given as its `xds:///` target). Changing a format here is a breaking change: say so in
 * the changelog and in the README of this package.
 *
 * | resource                          | name                                    | example                                         |
 * | --------------------------------- | --------------------------------------- | ----------------------------------------------- |
 * | gateway Listener                  | `0.0.0.0_<port>`                        | `0.0.0.0_80`                                    |
 * | gateway RouteConfiguration        | `http.<port>`                           | `http.80`                                       |
 * | gateway virtual host              | `<host>:<port>`                         | `httpbin.example.com:80`                        |
 * | gateway 404 virtual host          | `blackhole:<port>`                      | `blackhole:80`                                  |
 * | proxyless Listener, RouteConfig   | `<svc>.<ns>.svc.<domain>:<port>`        | `echo.demo.svc.cluster.local:7070`              |
 * | proxyless virtual host            | same as its RouteConfiguration          | `echo.demo.svc.cluster.local:7070`              |
 * | Cluster, ClusterLoadAssignment    | `outbound\|<port>\|<subset>\|<host>`     | `outbound\|8000\|\|httpbin.default.svc.cluster.local` |
 *
 * Service hosts (`<svc>.<ns>.svc.<domain>`) are spelt by `serviceHost` in `@meshgate/model`.
 * The cluster format is Istio's, so that `istioctl`-trained eyes read it at once; `<subset>` is
 * the empty string when the destination names none.
 */

/** Address every gateway listener binds (Gateway `server.bind` is not supported yet). */
export const GATEWAY_LISTEN_ADDRESS = '0.0.0.0';

export function gatewayListenerName(port: number): string {
  return `${GATEWAY_LISTEN_ADDRESS}_${port}`;
}

export function gatewayRouteConfigName(port: number): string {
  return `http.${port}`;
}

export function gatewayVirtualHostName(host: string, port: number): string {
  return `${host}:${port}`;
}

export function blackholeVirtualHostName(port: number): string {
  return `blackhole:${port}`;
}

/** Listener, RouteConfiguration and virtual host name for a proxyless target `xds:///<host>:<port>`. */
export function proxylessListenerName(fqdn: string, port: number): string {
  return `${fqdn}:${port}`;
}

/** `outbound|<port>|<subset>|<host>`; also the EDS service name and the ClusterLoadAssignment name. */
export function clusterName(host: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}


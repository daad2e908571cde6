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
 * | gateway HTTPS RouteConfiguration  | `https.<port>` (Kubernetes Ingress TLS)  | `https.443`                                     |
 * | gateway HTTPS server RouteConfig  | `https.<port>.<portName>.<gw>.<gwNs>`   | `https.443.https.mygateway.istio-system`        |
 * | gateway virtual host              | `<host>:<port>`                         | `httpbin.example.com:80`                        |
 * | gateway 404 virtual host          | `blackhole:<port>`                      | `blackhole:80`                                  |
 * | proxyless Listener, RouteConfig   | `<svc>.<ns>.svc.<domain>:<port>`        | `echo.demo.svc.cluster.local:7070`              |
 * | proxyless virtual host            | same as its RouteConfiguration          | `echo.demo.svc.cluster.local:7070`              |
 * | Cluster, ClusterLoadAssignment    | `outbound\|<port>\|<subset>\|<host>`     | `outbound\|8000\|\|httpbin.default.svc.cluster.local` |
 * | sidecar inbound Listener          | `inbound_0.0.0.0_<port>`                | `inbound_0.0.0.0_14001`                         |
 * | sidecar inbound route (inline)    | `inbound\|<port>`                        | `inbound\|14001`                                 |
 * | sidecar inbound virtual host      | `inbound\|http\|<port>`                  | `inbound\|http\|14001`                            |
 * | sidecar inbound Cluster (STATIC)  | `inbound\|<port>\|\|`                     | `inbound\|14001\|\|`                               |
 * | proxyless server Listener         | `grpc/server?xds.resource.listening_address=<ip>:<port>` | `…=10.4.0.8:50051`, `…=[fd00::8]:50051` |
 * | gateway TLS secret (SDS)          | `kubernetes://<secretName>`             | `kubernetes://httpbin-credential`               |
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

/** The route configuration of a TLS-terminating gateway port (Kubernetes Ingress `tls`). */
export function gatewayTlsRouteConfigName(port: number): string {
  return `https.${port}`;
}

/** The route configuration of one TLS-terminating HTTPS Gateway server (Istio's `gatewayRDSRouteName`). */
export function gatewayServerRouteConfigName(port: number, portName: string, gatewayName: string, gatewayNamespace: string): string {
  return `https.${port}.${portName}.${gatewayName}.${gatewayNamespace}`;
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


/** Address every sidecar inbound listener binds. */
export const INBOUND_LISTEN_ADDRESS = '0.0.0.0';

/** Where a sidecar reaches its own workload. */
export const LOCAL_WORKLOAD_ADDRESS = '127.0.0.1';

/** The sidecar's inbound Listener for a workload port (OSM's `IngressBackend` backend port). */
export function inboundListenerName(port: number): string {
  return `inbound_${INBOUND_LISTEN_ADDRESS}_${port}`;
}

/** The inbound listener's inline RouteConfiguration (Istio's `inbound|<port>` spelling). */
export function inboundRouteConfigName(port: number): string {
  return `inbound|${port}`;
}

export function inboundVirtualHostName(port: number): string {
  return `inbound|http|${port}`;
}

/** The STATIC cluster to the workload itself, `inbound|<port>||` as Istio names it. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/**
 * The Listener an xDS-enabled gRPC server asks for when bound to `<ip>:<port>`, given the
 * bootstrap template `grpc/server?xds.resource.listening_address=%s` (what Istio and the
 * grpc-js-xds examples use). IPv6 addresses are bracketed, as in the address the server binds.
 */
export function grpcServerListenerName(ip: string, port: number): string {
  return `grpc/server?xds.resource.listening_address=${hostPort(ip, port)}`;
}

/** `ip:port`, or `[ip]:port` for IPv6. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** SDS secret names Envoy asks for on its ADS stream (docs/sds.md): its own certificate, and the trust bundle. */
export const IDENTITY_SECRET_NAME = 'default';
export const ROOT_CA_SECRET_NAME = 'ROOTCA';

/** The certificate provider instance a proxyless bootstrap defines (`bootstrapCertificateProviders` in @meshgate/xds). */
export const GRPC_CERTIFICATE_PROVIDER_INSTANCE = 'default';

/**
 * Certificate provider instances over a DestinationRule's files (`caCertificates`,
 * `clientCertificate` + `privateKey`), a contract between the compiler (which names them in a
 * proxyless cluster) and the bootstrap (which defines them as `file_watcher` instances and lists
 * them in the node metadata `CERTIFICATE_PROVIDERS`): `file:ca=<path>` for a trust bundle,
 * `file:cert=<path>;key=<path>` for a client certificate and its key.
 */
export function caFileProviderInstance(caCertificates: string): string {
  return `file:ca=${caCertificates}`;
}

export function identityFileProviderInstance(clientCertificate: string, privateKey: string): string {
  return `file:cert=${clientCertificate};key=${privateKey}`;
}

/** A gateway's TLS secret, Istio's `credentialName` convention: `kubernetes://<secretName>`. */
export function credentialSecretName(secretName: string): string {
  return `kubernetes://${secretName}`;
}

/**
 * The Envoy sidecar's outbound side (`outbound.ts`), Istio's names:
 *
 * | resource                          | name                     | example            |
 * | --------------------------------- | ------------------------ | ------------------ |
 * | virtual outbound Listener         | `virtualOutbound`        | (`0.0.0.0:15001`)  |
 * | outbound Listener per port        | `0.0.0.0_<port>`         | `0.0.0.0_27017`    |
 * | outbound RouteConfiguration       | `<port>`                 | `80`               |
 * | outbound virtual host             | `<host>:<port>`, `allow_any`, `block_all` | `httpbin.org:80` |
 * | fallback Clusters                 | `PassthroughCluster`, `BlackHoleCluster` |    |
 */
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';

export function outboundListenerName(port: number): string {
  return `0.0.0.0_${port}`;
}

export function outboundRouteConfigName(port: number): string {
  return String(port);
}

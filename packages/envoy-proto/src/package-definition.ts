/**
 * The discovery services as a @grpc/proto-loader package definition, for
 * `grpc.loadPackageDefinition()`: `envoy.service.discovery.v3.AggregatedDiscoveryService`
 * (SotW and delta), `envoy.service.secret.v3.SecretDiscoveryService` and
 * `envoy.service.status.v3.ClientStatusDiscoveryService`. Loaded once, lazily.
 *
 * Resources go into `DiscoveryResponse.resources` as `toAny()` gives them (pre-encoded bytes),
 * so this definition never has to know the resource messages' object format.
 */
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { DISCOVERY_SERVICE_FILES, includeDirs } from './proto-files.js';

let cachedDefinition: PackageDefinition | undefined;

/** ADS, SDS and CSDS in one definition (keepCase, longs and enums as strings, defaults, oneofs). */
export function adsPackageDefinition(): PackageDefinition {
  cachedDefinition ??= loadSync([...DISCOVERY_SERVICE_FILES], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: includeDirs(),
  });
  return cachedDefinition;
}

/** The same definition as adsPackageDefinition(): it holds the SDS service too. */
export function sdsPackageDefinition(): PackageDefinition {
  return adsPackageDefinition();
}

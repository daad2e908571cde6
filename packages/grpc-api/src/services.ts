/**
 * The services of proto/meshgate/v1 as grpc-js constructors: `.service` is the definition a server
 * adds, `new Constructor(address, credentials)` a generic client.
 */
import * as grpc from '@grpc/grpc-js';
import { meshgatePackageDefinition } from './proto.js';

export const SERVICE_NAMES = {
  resources: 'meshgate.v1.Resources',
  events: 'meshgate.v1.Events',
  proxies: 'meshgate.v1.Proxies',
  certificateAuthority: 'meshgate.v1.CertificateAuthority',
} as const;

export type ServiceKey = keyof typeof SERVICE_NAMES;

const constructors = new Map<ServiceKey, grpc.ServiceClientConstructor>();

function isServiceConstructor(value: unknown): value is grpc.ServiceClientConstructor {
  return typeof value === 'function' && 'service' in value;
}

export function serviceConstructor(key: ServiceKey): grpc.ServiceClientConstructor {
  const known = constructors.get(key);
  if (known) return known;
  const loaded = grpc.loadPackageDefinition(meshgatePackageDefinition());
  let node: unknown = loaded;
  for (const part of SERVICE_NAMES[key].split('.')) node = typeof node === 'object' || typeof node === 'function' ? (node as Record<string, unknown> | null)?.[part] : undefined;
  if (!isServiceConstructor(node)) throw new Error(`${SERVICE_NAMES[key]} is missing from proto/meshgate/v1`);
  constructors.set(key, node);
  return node;
}

export function serviceDefinition(key: ServiceKey): grpc.ServiceDefinition {
  return serviceConstructor(key).service;
}

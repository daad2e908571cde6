/**
 * `validateDocument`: one document in, a normalised object or every problem found out.
 *
 * The kind table says which apiVersions each kind accepts, which reader builds it, and whether
 * the kind is foreign (stored, not compiled). Readers fill defaults as they go and leave absent
 * optional fields `undefined`; the final canonical pass drops those and sorts keys, so the
 * result is exactly what `canonicalJson` would write.
 */
import { sortKeysDeep } from '../canonical.js';
import { DEFAULT_CLUSTER_DOMAIN } from '../hosts.js';
import { KINDS, isClusterScoped, isKind } from '../keys.js';
import type { FieldError, ForeignKind, Kind, MeshObject, Validated } from '../types.js';
import { destinationRuleWarnings, readDestinationRuleObject } from './destination-rule.js';
import { readEndpointSliceObject } from './endpoint-slice.js';
import { readEndpointsObject } from './endpoints.js';
import { readForeignObject } from './foreign.js';
import { readGatewayObject } from './gateway.js';
import { readIngressBackendObject } from './ingress-backend.js';
import { reviewIstioFields } from './istio-fields.js';
import { INGRESS_CLASS_VERSIONS, readIngressClassObject } from './ingress-class.js';
import { INGRESS_VERSIONS, readIngressObject } from './ingress.js';
import { ISTIO_VERSIONS } from './istio.js';
import { MESH_CONFIG_VERSIONS, readMeshConfigObject } from './mesh-config.js';
import { readNamespaceObject } from './namespace.js';
import { readPodObject } from './pod.js';
import { ErrorSink, ObjectReader, isPlainObject } from './reader.js';
import { readSecretObject } from './secret.js';
import { readServiceEntryObject, serviceEntryWarnings } from './service-entry.js';
import { readServiceObject } from './service.js';
import { reportUnstorableStrings } from './storable.js';
import { readVirtualServiceObject } from './virtual-service.js';

export interface ValidateOptions {
  /** DNS suffix used to qualify short destination hosts; default `cluster.local`. */
  clusterDomain?: string;
}

interface KindSpec {
  apiVersions: readonly string[];
  /** Stored with an opaque body and ignored by the compiler. */
  foreign: boolean;
  read(document: ObjectReader, apiVersion: string, options: Required<ValidateOptions>): MeshObject;
}

function compiled(apiVersions: readonly string[], read: KindSpec['read']): KindSpec {
  return { apiVersions, foreign: false, read };
}

function foreign(kind: ForeignKind, apiVersions: readonly string[]): KindSpec {
  return { apiVersions, foreign: true, read: (document, apiVersion) => readForeignObject(document, apiVersion, kind) };
}

const KIND_SPECS: Record<Kind, KindSpec> = {
  Namespace: compiled(['v1'], readNamespaceObject),
  Service: compiled(['v1'], readServiceObject),
  Endpoints: compiled(['v1'], readEndpointsObject),
  EndpointSlice: compiled(['discovery.k8s.io/v1'], readEndpointSliceObject),
  Pod: compiled(['v1'], readPodObject),
  Gateway: compiled(ISTIO_VERSIONS, readGatewayObject),
  VirtualService: compiled(ISTIO_VERSIONS, (document, apiVersion, options) => readVirtualServiceObject(document, apiVersion, options.clusterDomain)),
  IngressBackend: compiled(['policy.openservicemesh.io/v1alpha1'], readIngressBackendObject),
  Ingress: compiled(INGRESS_VERSIONS, readIngressObject),
  IngressClass: compiled(INGRESS_CLASS_VERSIONS, readIngressClassObject),
  MeshConfig: compiled(MESH_CONFIG_VERSIONS, readMeshConfigObject),
  ServiceEntry: compiled(ISTIO_VERSIONS, readServiceEntryObject),
  DestinationRule: compiled(ISTIO_VERSIONS, (document, apiVersion, options) => readDestinationRuleObject(document, apiVersion, options.clusterDomain)),
  ConfigMap: foreign('ConfigMap', ['v1']),
  Deployment: foreign('Deployment', ['apps/v1']),
  EnvoyFilter: foreign('EnvoyFilter', ['networking.istio.io/v1alpha3']),
  HTTPProxy: foreign('HTTPProxy', ['projectcontour.io/v1']),
  Policy: foreign('Policy', ['authentication.istio.io/v1alpha1']),
  ServiceAccount: foreign('ServiceAccount', ['v1']),
  TLSCertificateDelegation: foreign('TLSCertificateDelegation', ['projectcontour.io/v1']),
  Secret: compiled(['v1'], readSecretObject),
};

/** Kinds refused outright, with the reason (their content must not reach the event log). */
const REFUSED_KINDS: Readonly<Record<string, string>> = {};

/** The apiVersions a kind accepts (for error messages and documentation). */
export function apiVersionsOf(kind: Kind): readonly string[] {
  return KIND_SPECS[kind].apiVersions;
}

/** What the kind table says of a kind: its apiVersions, whether it is foreign, whether it is cluster-scoped. */
export function describeKind(kind: Kind): { apiVersions: readonly string[]; foreign: boolean; clusterScoped: boolean } {
  const { apiVersions, foreign: isForeign } = KIND_SPECS[kind];
  return { apiVersions, foreign: isForeign, clusterScoped: isClusterScoped(kind) };
}

/** Validates and normalises one document. Errors carry field paths like `spec.http[0].route[0].destination.port.number`. */
export function validateDocument(document: unknown, options: ValidateOptions = {}): Validated<MeshObject> {
  if (!isPlainObject(document)) {
    return { valid: false, errors: [{ path: '', message: 'expected an object with apiVersion, kind and metadata' }] };
  }
  const sink = new ErrorSink();
  reportUnstorableStrings(sink, document);
  const reader = new ObjectReader(sink, '', document);
  const apiVersion = reader.requireString('apiVersion');
  const kind = reader.requireString('kind');
  if (kind === undefined) return { valid: false, errors: sink.errors };
  if (Object.hasOwn(REFUSED_KINDS, kind)) {
    reader.error('kind', REFUSED_KINDS[kind]);
    return { valid: false, errors: sink.errors };
  }
  if (!isKind(kind)) {
    reader.error('kind', `unknown kind ${JSON.stringify(kind)}; known kinds: ${KINDS.join(', ')}`);
    return { valid: false, errors: sink.errors };
  }
  const spec = KIND_SPECS[kind];
  if (apiVersion !== undefined && !spec.apiVersions.includes(apiVersion)) {
    reader.error('apiVersion', `${kind} expects apiVersion ${spec.apiVersions.join(' or ')} (got ${JSON.stringify(apiVersion)})`);
  }
  const object = spec.read(reader, apiVersion ?? '', { clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN });
  // Nothing dropped in silence: Istio fields meshgate does not apply are warned about (and kept), unknown ones refused.
  const warnings: FieldError[] = [];
  reviewIstioFields(kind, document, object as unknown as Record<string, unknown>, sink, warnings);
  if (object.kind === 'DestinationRule' && sink.count === 0) warnings.push(...destinationRuleWarnings(object));
  if (object.kind === 'ServiceEntry' && sink.count === 0) warnings.push(...serviceEntryWarnings(object));
  if (sink.count > 0) return { valid: false, errors: sink.errors };
  return { valid: true, value: sortKeysDeep(object), ...(warnings.length > 0 ? { warnings } : {}) };
}

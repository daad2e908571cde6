/**
 * `validateDocument`: one document in, a normalised object or every problem found out.
 *
 * The kind table says which apiVersions each kind accepts and which reader builds it. Readers
 * fill defaults as they go and leave absent optional fields `undefined`; the final canonical
 * pass drops those and sorts keys, so the result is exactly what `canonicalJson` would write.
 */
import { sortKeysDeep } from '../canonical.js';
import { DEFAULT_CLUSTER_DOMAIN } from '../hosts.js';
import { KINDS, isKind } from '../keys.js';
import type { Kind, MeshObject, Validated } from '../types.js';
import { readEndpointSliceObject } from './endpoint-slice.js';
import { readEndpointsObject } from './endpoints.js';
import { readGatewayObject } from './gateway.js';
import { ISTIO_VERSIONS } from './istio.js';
import { readNamespaceObject } from './namespace.js';
import { readPodObject } from './pod.js';
import { ErrorSink, ObjectReader, isPlainObject } from './reader.js';
import { readServiceObject } from './service.js';
import { readVirtualServiceObject } from './virtual-service.js';

export interface ValidateOptions {
  /** DNS suffix used to qualify short destination hosts; default `cluster.local`. */
  clusterDomain?: string;
}

interface KindSpec {
  apiVersions: readonly string[];
  read(document: ObjectReader, apiVersion: string, options: Required<ValidateOptions>): MeshObject;
}

const KIND_SPECS: Record<Kind, KindSpec> = {
  Namespace: { apiVersions: ['v1'], read: readNamespaceObject },
  Service: { apiVersions: ['v1'], read: readServiceObject },
  Endpoints: { apiVersions: ['v1'], read: readEndpointsObject },
  EndpointSlice: { apiVersions: ['discovery.k8s.io/v1'], read: readEndpointSliceObject },
  Pod: { apiVersions: ['v1'], read: readPodObject },
  Gateway: { apiVersions: ISTIO_VERSIONS, read: readGatewayObject },
  VirtualService: {
    apiVersions: ISTIO_VERSIONS,
    read: (document, apiVersion, options) => readVirtualServiceObject(document, apiVersion, options.clusterDomain),
  },
};

/** The apiVersions a kind accepts (for error messages and documentation). */
export function apiVersionsOf(kind: Kind): readonly string[] {
  return KIND_SPECS[kind].apiVersions;
}

/** Validates and normalises one document. Errors carry field paths like `spec.http[0].route[0].destination.port.number`. */
export function validateDocument(document: unknown, options: ValidateOptions = {}): Validated<MeshObject> {
  if (!isPlainObject(document)) {
    return { valid: false, errors: [{ path: '', message: 'expected an object with apiVersion, kind and metadata' }] };
  }
  const sink = new ErrorSink();
  const reader = new ObjectReader(sink, '', document);
  const apiVersion = reader.requireString('apiVersion');
  const kind = reader.requireString('kind');
  if (kind === undefined) return { valid: false, errors: sink.errors };
  if (!isKind(kind)) {
    reader.error('kind', `unknown kind ${JSON.stringify(kind)}; known kinds: ${KINDS.join(', ')}`);
    return { valid: false, errors: sink.errors };
  }
  const spec = KIND_SPECS[kind];
  if (apiVersion !== undefined && !spec.apiVersions.includes(apiVersion)) {
    reader.error('apiVersion', `${kind} expects apiVersion ${spec.apiVersions.join(' or ')} (got ${JSON.stringify(apiVersion)})`);
  }
  const object = spec.read(reader, apiVersion ?? '', { clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN });
  if (sink.count > 0) return { valid: false, errors: sink.errors };
  return { valid: true, value: sortKeysDeep(object) };
}

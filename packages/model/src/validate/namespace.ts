import { checkDns1123Label } from '../names.js';
import type { NamespaceObject } from '../types.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

export function readNamespaceObject(document: ObjectReader): NamespaceObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: readMetadata(document, { name: checkDns1123Label, clusterScoped: true }),
  };
}

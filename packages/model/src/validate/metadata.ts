/**
 * `metadata`: name, namespace (defaulted), labels and annotations. Everything else the API
 * server adds (uid, resourceVersion, managedFields, creationTimestamp, generation, …) is left
 * out, so an object read back from a cluster normalises like the manifest it came from.
 */
import { checkDns1123Label, checkLabelKey, checkLabelValue } from '../names.js';
import type { ObjectMeta } from '../types.js';
import type { Check, ObjectReader } from './reader.js';

export const DEFAULT_NAMESPACE = 'default';

export interface MetadataRules {
  /** The kind's rule for `metadata.name` (DNS-1123 label, subdomain, or DNS-1035 label). */
  name: Check<string>;
  clusterScoped: boolean;
}

/** Label maps (metadata.labels and selectors) are checked as Kubernetes checks them. */
export function readLabels(reader: ObjectReader, key: string): Record<string, string> {
  return reader.stringMap(key, { key: checkLabelKey, value: checkLabelValue });
}

function readNamespace(metadata: ObjectReader, clusterScoped: boolean): string {
  // A namespace written on a cluster-scoped object is ignored, as the API server ignores it.
  if (clusterScoped) return '';
  // Manifests often leave the namespace out (or empty): kubectl applies them to "default".
  if (metadata.get('namespace') === '') return DEFAULT_NAMESPACE;
  return metadata.optionalString('namespace', checkDns1123Label) ?? DEFAULT_NAMESPACE;
}

export function readMetadata(document: ObjectReader, rules: MetadataRules): ObjectMeta {
  const metadata = document.object('metadata', { required: true });
  if (!metadata) return { name: '', namespace: rules.clusterScoped ? '' : DEFAULT_NAMESPACE, labels: {}, annotations: {} };
  return {
    name: metadata.requireString('name', rules.name) ?? '',
    namespace: readNamespace(metadata, rules.clusterScoped),
    labels: readLabels(metadata, 'labels'),
    annotations: metadata.stringMap('annotations', { key: checkLabelKey }),
  };
}

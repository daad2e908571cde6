/**
 * IST0101 ReferencedResourceNotFound for Kubernetes objects meshgate compiles: a Kubernetes
 * Ingress backend, or an OSM IngressBackend backend or `Service` source, naming a Service that
 * does not exist in its namespace. Istio has no analyzer for these kinds; the code says the same.
 */
import { compareObjects, stateKey } from '@meshgate/model';
import { REFERENCED_RESOURCE_NOT_FOUND } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';

export const backendServices: Analyzer = {
  name: 'ingress.backendservices',
  types: [REFERENCED_RESOURCE_NOT_FOUND],
  analyze({ state }) {
    const messages: AnalysisMessage[] = [];
    const exists = (namespace: string, name: string) => state.byKind.Service.has(stateKey(namespace, name));
    for (const ingress of [...state.byKind.Ingress.values()].sort(compareObjects)) {
      const namespace = ingress.metadata.namespace ?? '';
      const backends: { name: string; path: string }[] = [];
      if (ingress.spec.defaultBackend) backends.push({ name: ingress.spec.defaultBackend.service.name, path: 'spec.defaultBackend.service.name' });
      ingress.spec.rules.forEach((rule, i) =>
        rule.http?.paths.forEach((path, j) => backends.push({ name: path.backend.service.name, path: `spec.rules[${i}].http.paths[${j}].backend.service.name` })),
      );
      messages.push(...missing(backends, namespace, exists).map(({ name, path }) => messageOf(REFERENCED_RESOURCE_NOT_FOUND, ingress, `Referenced service not found: "${namespace}/${name}"`, path)));
    }
    for (const backend of [...state.byKind.IngressBackend.values()].sort(compareObjects)) {
      const namespace = backend.metadata.namespace ?? '';
      const targets = backend.spec.backends.map((target, i) => ({ name: target.name, path: `spec.backends[${i}].name`, namespace }));
      const sources = backend.spec.sources.flatMap((source, i) =>
        source.kind === 'Service' ? [{ name: source.name, path: `spec.sources[${i}].name`, namespace: source.namespace }] : [],
      );
      for (const ref of [...targets, ...sources]) {
        if (exists(ref.namespace, ref.name)) continue;
        messages.push(messageOf(REFERENCED_RESOURCE_NOT_FOUND, backend, `Referenced service not found: "${ref.namespace}/${ref.name}"`, ref.path));
      }
    }
    return messages;
  },
};

/** Each missing name once, at its first place. */
function missing(refs: { name: string; path: string }[], namespace: string, exists: (namespace: string, name: string) => boolean): { name: string; path: string }[] {
  const seen = new Set<string>();
  return refs.filter(({ name }) => name !== '' && !exists(namespace, name) && !seen.has(name) && seen.add(name) !== undefined);
}


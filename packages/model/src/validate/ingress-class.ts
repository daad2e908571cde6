/**
 * Kubernetes IngressClass (cluster-scoped): which controller serves the Ingresses of a class,
 * e.g. `istio.io/ingress-controller`. The default class is marked with the annotation
 * `ingressclass.kubernetes.io/is-default-class: "true"` (kept with the annotations).
 */
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { IngressClassObject } from '../types.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

export const INGRESS_CLASS_VERSIONS: readonly IngressClassObject['apiVersion'][] = ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1'];
const PARAMETER_SCOPES = ['Cluster', 'Namespace'] as const;
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~%!$&'()*+,;=:/]+$/;

function controllerProblem(value: string): string | undefined {
  if (value.length > 250) return 'must be at most 250 characters';
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return 'must be a domain-prefixed path such as "istio.io/ingress-controller"';
  const domain = value.slice(0, slash);
  if (checkDns1123Subdomain(domain) !== undefined) return `domain ${JSON.stringify(domain)} must be a lowercase DNS name`;
  const path = value.slice(slash + 1);
  if (!PATH_CHARACTERS.test(path)) return `path ${JSON.stringify(path)} has characters a URL path cannot hold`;
  return undefined;
}

/** The API server's rule: a domain-prefixed path such as `istio.io/ingress-controller`, at most 250 characters. */
export function checkControllerName(value: string): string | undefined {
  const problem = controllerProblem(value);
  return problem === undefined ? undefined : `${problem} (got ${JSON.stringify(value)})`;
}

function readParameters(spec: ObjectReader): IngressClassObject['spec']['parameters'] {
  const parameters = spec.object('parameters');
  if (!parameters) return undefined;
  const scope = parameters.optionalEnum('scope', PARAMETER_SCOPES);
  const namespace = parameters.optionalString('namespace', checkDns1123Label);
  if (scope === 'Namespace' && namespace === undefined && !parameters.has('namespace')) parameters.error('namespace', 'required when scope is Namespace');
  if (scope !== 'Namespace' && namespace !== undefined) parameters.error('namespace', 'must be left out unless scope is Namespace');
  return {
    apiGroup: parameters.optionalString('apiGroup'),
    kind: parameters.requireString('kind') ?? '',
    name: parameters.requireString('name') ?? '',
    scope,
    namespace,
  };
}

export function readIngressClassObject(document: ObjectReader, apiVersion: string): IngressClassObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: true });
  const spec = document.object('spec', { required: true });
  return {
    apiVersion: INGRESS_CLASS_VERSIONS.find((version) => version === apiVersion) ?? 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata,
    spec: {
      controller: spec?.requireString('controller', checkControllerName) ?? '',
      parameters: spec && readParameters(spec),
    },
  };
}

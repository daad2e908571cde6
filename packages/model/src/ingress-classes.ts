/**
 * Which controller serves a Kubernetes Ingress: by `spec.ingressClassName` (an IngressClass
 * whose `spec.controller` names the controller), by the legacy annotation
 * `kubernetes.io/ingress.class`, or by the one IngressClass marked as the cluster's default.
 */
import { stateKey } from './keys.js';
import { compareObjects } from './query.js';
import type { IngressClassObject, IngressObject, MeshState } from './types.js';

export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The controller name Istio's IngressClasses carry. */
export const ISTIO_INGRESS_CONTROLLER = 'istio.io/ingress-controller';

export function isDefaultIngressClass(ingressClass: IngressClassObject): boolean {
  return ingressClass.metadata.annotations[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';
}

/** The cluster's default IngressClass; none when no class, or more than one, is marked default (Kubernetes then assigns none). */
export function defaultIngressClass(state: MeshState): IngressClassObject | undefined {
  const defaults = [...state.byKind.IngressClass.values()].filter(isDefaultIngressClass);
  return defaults.length === 1 ? defaults[0] : undefined;
}

/** The class name an Ingress belongs to: `ingressClassName`, else the legacy annotation, else the default class. */
export function ingressClassNameOf(state: MeshState, ingress: IngressObject): string | undefined {
  return ingress.spec.ingressClassName ?? ingress.metadata.annotations[INGRESS_CLASS_ANNOTATION] ?? defaultIngressClass(state)?.metadata.name;
}

export interface IngressSelection {
  /** Legacy `kubernetes.io/ingress.class` values that mean this controller (Istio's: `istio`). */
  legacyClassNames?: readonly string[];
}

/**
 * The Ingresses a controller serves, sorted by namespace and name. The legacy annotation, when
 * present, decides (as Istio reads it first): it names the controller's class when it is one
 * of `legacyClassNames` or an IngressClass of the controller. Otherwise the Ingress's class
 * (`ingressClassName`, else the default class) must be an IngressClass of the controller.
 */
export function ingressesForController(state: MeshState, controller: string, selection: IngressSelection = {}): IngressObject[] {
  const legacy = new Set(selection.legacyClassNames ?? []);
  const isControllers = (className: string | undefined) =>
    className !== undefined && state.byKind.IngressClass.get(stateKey('', className))?.spec.controller === controller;
  return [...state.byKind.Ingress.values()]
    .filter((ingress) => {
      const annotated = ingress.metadata.annotations[INGRESS_CLASS_ANNOTATION];
      if (annotated !== undefined) return legacy.has(annotated) || isControllers(annotated);
      return isControllers(ingress.spec.ingressClassName ?? defaultIngressClass(state)?.metadata.name);
    })
    .sort(compareObjects);
}

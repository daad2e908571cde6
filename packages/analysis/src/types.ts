/** What an analysis says, and what an analyzer is: the contract every analyzer module keeps. */
import type { MeshObject, MeshState } from '@meshgate/model';

/** As istioctl analyze: an Error makes `meshgate analyze` fail; a Warning or an Info does not (by default). */
export type Level = 'Error' | 'Warning' | 'Info';

export const LEVELS: readonly Level[] = ['Error', 'Warning', 'Info'];

export interface AnalysisMessage {
  /** Stable code, Istio's where Istio has one (`IST0101`), `MG…` for meshgate's own. */
  code: string;
  /** The code's name (`ReferencedResourceNotFound`). */
  name: string;
  level: Level;
  /** The object the message is about: kind, namespace (empty when cluster-scoped), name. */
  object: { kind: string; namespace: string; name: string };
  /** Where in the object, when one field is at fault (`spec.gateways`). */
  path?: string;
  /** Where the object came from when it was read from a file (`gateway.yaml`, document 2). */
  origin?: string;
  message: string;
}

/** One code: its number, name and level are fixed, so scripts can rely on them. */
export interface MessageType {
  code: string;
  name: string;
  level: Level;
}

export interface AnalysisContext {
  state: MeshState;
  clusterDomain: string;
}

/**
 * One analyzer: a pure function of the state. Adding one is a module under `analyzers/` and a
 * line in `analyzers/index.ts`.
 */
export interface Analyzer {
  /** A short name for `--list` and the docs. */
  name: string;
  /** The message types it can report. */
  types: readonly MessageType[];
  analyze(context: AnalysisContext): AnalysisMessage[];
}

/** A message of `type` about `object`. */
export function messageOf(type: MessageType, object: MeshObject, message: string, path?: string): AnalysisMessage {
  return {
    code: type.code,
    name: type.name,
    level: type.level,
    object: { kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name },
    ...(path === undefined ? {} : { path }),
    message,
  };
}

/**
 * How the CLI names kinds: what a user may type (`virtualservice`, `virtualservices`, `vs`,
 * `VirtualService`), how kubectl prints an object (`virtualservice.networking.istio.io/httpbin`),
 * and the REST paths of resources.
 */
import { apiVersionsOf, isClusterScoped, isKind, KINDS, type Kind } from '@meshgate/model';
import { CliError } from './errors.js';

/** The API group each kind belongs to, for kubectl-style names; core kinds have none. */
const GROUPS: Readonly<Record<string, string>> = {
  EndpointSlice: 'discovery.k8s.io',
  Gateway: 'networking.istio.io',
  VirtualService: 'networking.istio.io',
  DestinationRule: 'networking.istio.io',
  ServiceEntry: 'networking.istio.io',
  Sidecar: 'networking.istio.io',
  Ingress: 'networking.k8s.io',
  IngressClass: 'networking.k8s.io',
  IngressBackend: 'policy.openservicemesh.io',
  MeshConfig: 'config.openservicemesh.io',
};

/** kubectl's and istioctl's short names. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  ns: 'Namespace',
  svc: 'Service',
  ep: 'Endpoints',
  po: 'Pod',
  gw: 'Gateway',
  vs: 'VirtualService',
  dr: 'DestinationRule',
  se: 'ServiceEntry',
  ing: 'Ingress',
};

/** The short names, for completion. */
export const SHORT_NAME_LIST: readonly string[] = Object.keys(SHORT_NAMES);

/** The lowercase plural, as kubectl spells resources: `virtualservices`, `endpoints`, `ingressclasses`. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (kind === 'Endpoints') return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

function bareKind(word: string): Kind | undefined {
  const wanted = word.toLowerCase();
  const short = SHORT_NAMES[wanted];
  if (short !== undefined && isKind(short)) return short;
  return KINDS.find((kind) => kind.toLowerCase() === wanted || pluralOf(kind) === wanted);
}

/** The groups and versions a kind's apiVersions name (`networking.istio.io`, `v1beta1`); core kinds have group ''. */
function groupVersions(kind: Kind): { group: string; version: string }[] {
  return apiVersionsOf(kind).map((apiVersion) => {
    const slash = apiVersion.indexOf('/');
    return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
  });
}

/**
 * The kind a user typed, as kubectl reads a resource type: `vs`, `virtualservice`,
 * `VirtualService`, `virtualservices`, or qualified `virtualservices.networking.istio.io`,
 * `virtualservices.v1beta1.networking.istio.io`. A qualified name whose group (or version) the
 * kind does not have is refused, naming what it has — `gateways.gateway.networking.k8s.io` is
 * not Istio's Gateway. An unknown word is passed on as typed so that the server answers with
 * the list of kinds it does know.
 */
export function resolveKind(typed: string): string {
  const dot = typed.indexOf('.');
  if (dot < 0) return bareKind(typed) ?? typed;
  const kind = bareKind(typed.slice(0, dot));
  if (kind === undefined) return typed;
  const rest = typed.slice(dot + 1).toLowerCase();
  const known = groupVersions(kind);
  const matches = known.some(({ group, version }) => rest === group || rest === `${version}.${group}` || (group === '' && rest === version));
  if (!matches) {
    const spelled = [...new Set(known.map(({ group }) => (group === '' ? pluralOf(kind) : `${pluralOf(kind)}.${group}`)))].join(', ');
    throw new CliError(`error: the server doesn't have a resource type "${typed}" (meshgate's ${kind} is ${spelled})`);
  }
  return kind;
}

/** `svc,ep` → each kind; empty entries are refused. */
export function resolveKinds(typed: string): string[] {
  const words = typed.split(',');
  if (words.some((word) => word.trim() === '')) throw new CliError(`error: "${typed}" names an empty resource type`);
  return [...new Set(words.map((word) => resolveKind(word.trim())))];
}

export interface TypedName {
  kind: string;
  name: string;
}

/**
 * kubectl's two ways of naming objects: `KIND NAME [NAME…]`, or `KIND/NAME [KIND/NAME…]` (what
 * apply prints, e.g. `virtualservice.networking.istio.io/httpbin`). Mixing them is refused.
 */
export function namedObjects(args: readonly string[]): { kinds: string[]; names: TypedName[] } {
  if (args.length === 0) throw new CliError('error: name a resource type, e.g. `vs` or `virtualservice/httpbin`');
  const slashed = args.filter((arg) => arg.includes('/'));
  if (slashed.length === 0) {
    const [typed, ...names] = args;
    const kinds = resolveKinds(typed);
    if (names.length > 0 && kinds.length > 1) throw new CliError(`error: names cannot be given with several resource types (${typed}); use KIND/NAME`);
    return { kinds, names: names.map((name) => ({ kind: kinds[0], name })) };
  }
  if (slashed.length !== args.length) throw new CliError('error: there is no need to give a resource type as a separate argument when passing arguments in KIND/NAME form');
  const names = args.map((arg) => {
    const slash = arg.indexOf('/');
    const name = arg.slice(slash + 1);
    if (slash === 0 || name === '' || name.includes('/')) throw new CliError(`error: "${arg}" is not KIND/NAME`);
    return { kind: resolveKind(arg.slice(0, slash)), name };
  });
  return { kinds: [...new Set(names.map((entry) => entry.kind))], names };
}

export function isClusterScopedKind(kind: string): boolean {
  return isKind(kind) && isClusterScoped(kind);
}

/** `virtualservice.networking.istio.io`, `service`. */
export function resourceType(kind: string): string {
  const group = GROUPS[kind];
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}

/** `virtualservice.networking.istio.io/httpbin`, as kubectl prints an object it acted on. */
export function displayName(kind: string, name: string): string {
  return `${resourceType(kind)}/${name}`;
}

/** `_` stands for the empty namespace of cluster-scoped kinds in REST paths. */
export const CLUSTER_SCOPE_SEGMENT = '_';

/** `/v1/resources/<kind>[/<namespace>[/<name>]]` (or under another base, e.g. `v1/history/blame`), each segment escaped. */
export function resourcePath(kind: string, namespace?: string, name?: string, base: readonly string[] = ['v1', 'resources']): string {
  const segments = [...base, kind];
  if (namespace !== undefined) segments.push(namespace === '' ? CLUSTER_SCOPE_SEGMENT : namespace);
  if (name !== undefined) segments.push(name);
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

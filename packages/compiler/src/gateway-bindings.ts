/**
 * Which VirtualServices serve which host on one port of an Envoy gateway (gateway.ts): for every
 * (server, VirtualService) pair whose hosts overlap and whose server host admits the
 * VirtualService's namespace, the more specific of the two hosts; VirtualServices landing on the
 * same host are merged by namespace/name. What was bound and what was refused is recorded in a
 * `BindingReport`, from which the gateway reports VirtualServices that serve nothing.
 *
 * A port with 1,000 VirtualServices is rebound whenever one of them changes. `PortBindings.bind`
 * given the port's previous bindings patches them: it compares the Gateways' VirtualService lists
 * with those it was bound from, rebinds only the hosts the changed VirtualServices meet, and keeps
 * every other host's binding object — which is what the virtual host units are checked against.
 */
import { compareObjects, gatewayRefOf, objectKey, stateKey, type GatewayObject, type GatewayServer, type VirtualServiceObject } from '@meshgate/model';
import { compare, type Diagnostics } from './diagnostics.js';
import { HostTable, moreSpecificHost, parseServerHost, serverHostAdmits, type ServerHost } from './hosts.js';
import type { CompileIndex } from './meshIndex.js';

/** A server of a Gateway selecting the proxy. */
export interface BoundServer {
  gateway: GatewayObject;
  server: GatewayServer;
}

/** What one VirtualService host meets on one server: the server host, and whether it admits the VirtualService's namespace. */
export interface ServerMatch {
  vsHost: string;
  written: string;
  serverHost: ServerHost;
  admitted: boolean;
  /** The virtual host it makes: the more specific of the two hosts. */
  effective: string;
  /** Unit keys of that virtual host, by route configuration scope (made once, not per compile). */
  unitKeys?: Map<string, string>;
}

/**
 * One virtual host's binding: the VirtualServices for the host, each with the gateways it came
 * through, and whether a server asks for the TLS redirect. Never edited once made: a host whose
 * VirtualServices change gets a new binding, the others keep theirs.
 */
export interface HostBinding {
  host: string;
  /** By namespace/name (as `stateKey` sorts), each with the gateways it came through. */
  virtualServices: VirtualServiceBindings;
  requireTls: boolean;
  /** The match that made it: its virtual host's unit keys are kept there. */
  match: ServerMatch;
  /** What its virtual host is built from besides its key (host, redirect, each VirtualService and its gateways), made once. */
  inputs: readonly unknown[];
}

/**
 * The VirtualServices bound to one host, each with the gateways it came through. Nearly every
 * host has one VirtualService through one gateway: the first pair is held as fields, a Map only past it.
 */
export class VirtualServiceBindings {
  private more?: Map<VirtualServiceObject, ReadonlySet<string>>;

  constructor(
    private firstVs: VirtualServiceObject,
    private firstGateways: ReadonlySet<string>,
  ) {}

  add(vs: VirtualServiceObject, gatewayKey: string): void {
    if (vs === this.firstVs) {
      if (!this.firstGateways.has(gatewayKey)) this.firstGateways = new Set([...this.firstGateways, gatewayKey]);
      return;
    }
    this.more ??= new Map();
    const gateways = this.more.get(vs);
    if (!gateways) this.more.set(vs, onlyGateway(gatewayKey));
    else if (!gateways.has(gatewayKey)) this.more.set(vs, new Set([...gateways, gatewayKey]));
  }

  /** In the order they were added, or by namespace/name after `sortByName`. */
  forEach(each: (vs: VirtualServiceObject, gateways: ReadonlySet<string>) => void): void {
    each(this.firstVs, this.firstGateways);
    this.more?.forEach((gateways, vs) => each(vs, gateways));
  }

  /** VirtualServices landing on one host are merged in namespace/name order. */
  sortByName(): void {
    if (!this.more) return;
    const all: [VirtualServiceObject, ReadonlySet<string>][] = [[this.firstVs, this.firstGateways], ...this.more];
    all.sort(([a], [b]) => compare(stateKeyOf(a), stateKeyOf(b)));
    [[this.firstVs, this.firstGateways]] = all;
    this.more = new Map(all.slice(1));
  }
}

/** The bindings of one port, and what was bound or refused there. */
export class PortBindings {
  /** Set once a later build took these over (`bind` edits what it takes): a taken one is rebound whole. */
  private taken = false;

  private constructor(
    /** The servers bound, as given: identity-compared on the next build. */
    private readonly servers: readonly BoundServer[],
    /** Per server, the VirtualService list it was bound from (sorted by namespace/name, as the index keeps it). */
    private readonly lists: readonly (readonly VirtualServiceObject[])[],
    /** In host name order (found by host with `lowerBound`). */
    readonly sorted: HostBinding[],
    readonly report: BindingReport,
  ) {}

  /**
   * The bindings of `servers`, each bound to the VirtualServices of its Gateway (or to
   * `candidates`, which the caller already narrowed to those meeting the servers' hosts).
   * `previous`: this port's bindings from the last build, patched when the servers are the
   * same objects and few VirtualServices changed (they are then no longer usable).
   */
  static bind(index: CompileIndex, servers: readonly BoundServer[], options: { candidates?: readonly VirtualServiceObject[]; previous?: PortBindings } = {}): PortBindings {
    const lists = servers.map(({ gateway }) => options.candidates ?? index.virtualServicesByGateway.get(gatewayRefOf(gateway)) ?? NO_VIRTUAL_SERVICES);
    const previous = options.previous;
    if (previous && !previous.taken && options.candidates === undefined && sameServers(previous.servers, servers)) {
      const changed = changedVirtualServices(previous.lists, lists);
      if (changed && changed.removed.size + changed.added.size === 0) return previous;
      if (changed) {
        previous.taken = true;
        return previous.patched(lists, changed);
      }
    }
    const report = new BindingReport();
    const sorted = bindAll(servers, lists, report).sort((a, b) => compare(a.host, b.host));
    return new PortBindings(servers, lists, sorted, report);
  }

  /** These bindings (taken over) brought up to `lists`: the hosts the changed VirtualServices met are bound again. */
  private patched(lists: readonly (readonly VirtualServiceObject[])[], changed: { removed: ReadonlySet<VirtualServiceObject>; added: ReadonlySet<VirtualServiceObject> }): PortBindings {
    const touched = new Set<string>();
    const gone = changed.removed;
    for (const vs of gone) this.report.forget(vs, this.servers);
    for (const vs of [...gone, ...changed.added]) {
      const added = !gone.has(vs);
      for (const { gateway, server } of this.servers) {
        const gatewayKey = gatewayRefOf(gateway);
        if (!vs.spec.gateways.includes(gatewayKey)) continue;
        const matches = matchesOf(bindingsOf(gateway, server), vs);
        for (const match of matches) touched.add(match.effective);
        if (added) recordMatches(this.report, gatewayKey, vs, matches);
      }
    }
    for (const host of touched) {
      // Who may land on the host now: who did (less those gone), and those that came.
      const candidates: VirtualServiceObject[] = [];
      this.bindingOf(host)?.virtualServices.forEach((vs) => {
        if (!gone.has(vs)) candidates.push(vs);
      });
      candidates.push(...changed.added);
      this.rebindHost(host, candidates);
    }
    return new PortBindings(this.servers, lists, this.sorted, this.report);
  }

  private bindingOf(host: string): HostBinding | undefined {
    const at = lowerBound(this.sorted, host);
    return this.sorted[at]?.host === host ? this.sorted[at] : undefined;
  }

  /** The full binding loop for one host and the VirtualServices that may land on it. */
  private rebindHost(host: string, candidates: readonly VirtualServiceObject[]): void {
    let binding: Assembling | undefined;
    for (const { gateway, server } of this.servers) {
      const gatewayKey = gatewayRefOf(gateway);
      const serverBindings = bindingsOf(gateway, server);
      for (const vs of candidates) {
        // In the Gateway's list (`spec.gateways` is what the index lists it by).
        if (!vs.spec.gateways.includes(gatewayKey)) continue;
        for (const match of matchesOf(serverBindings, vs)) {
          if (match.admitted && match.effective === host) binding = addBinding(binding, match, vs, gatewayKey, server);
        }
      }
    }
    const at = lowerBound(this.sorted, host);
    const present = at < this.sorted.length && this.sorted[at].host === host;
    if (!binding) {
      if (present) this.sorted.splice(at, 1);
      return;
    }
    const made = finished(binding);
    if (present) this.sorted[at] = made;
    else this.sorted.splice(at, 0, made);
  }
}

/** More changed VirtualServices than this on one port: binding it whole costs less than patching. */
const MAX_PATCHED = 16;

const NO_VIRTUAL_SERVICES: readonly VirtualServiceObject[] = [];

function sameServers(a: readonly BoundServer[], b: readonly BoundServer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].gateway !== b[i].gateway || a[i].server !== b[i].server) return false;
  return true;
}

/**
 * The VirtualServices that left and joined the servers' lists (each list sorted by namespace/name:
 * one walk side by side); undefined when more changed than patching is worth.
 */
function changedVirtualServices(
  before: readonly (readonly VirtualServiceObject[])[],
  after: readonly (readonly VirtualServiceObject[])[],
): { removed: Set<VirtualServiceObject>; added: Set<VirtualServiceObject> } | undefined {
  const removed = new Set<VirtualServiceObject>();
  const added = new Set<VirtualServiceObject>();
  for (let s = 0; s < after.length; s++) {
    const old = before[s];
    const now = after[s];
    if (old === now) continue;
    let i = 0;
    let j = 0;
    while (i < old.length || j < now.length) {
      if (i < old.length && j < now.length && old[i] === now[j]) {
        i++;
        j++;
        continue;
      }
      const order = i >= old.length ? 1 : j >= now.length ? -1 : compareObjects(old[i], now[j]);
      if (order <= 0) removed.add(old[i++]);
      if (order >= 0) added.add(now[j++]);
      if (removed.size + added.size > MAX_PATCHED) return undefined;
    }
  }
  return { removed, added };
}

/** The first position whose host sorts at or after `host`. */
function lowerBound(sorted: readonly HostBinding[], host: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compare(sorted[mid].host, host) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A binding being assembled (its VirtualServices not yet in name order, its inputs not made). */
type Assembling = Omit<HostBinding, 'inputs'>;

function addBinding(binding: Assembling | undefined, match: ServerMatch, vs: VirtualServiceObject, gatewayKey: string, server: GatewayServer): Assembling {
  if (!binding) binding = { host: match.effective, virtualServices: new VirtualServiceBindings(vs, onlyGateway(gatewayKey)), requireTls: false, match };
  else binding.virtualServices.add(vs, gatewayKey);
  if (server.tls?.httpsRedirect === true) binding.requireTls = true;
  return binding;
}

function finished(binding: Assembling): HostBinding {
  binding.virtualServices.sortByName();
  const inputs: unknown[] = [binding.host, binding.requireTls];
  binding.virtualServices.forEach((vs, gateways) => inputs.push(vs, gatewaysKey(gateways)));
  return { ...binding, inputs };
}

/** Every server against every VirtualService of its list: a binding per effective host. */
function bindAll(servers: readonly BoundServer[], lists: readonly (readonly VirtualServiceObject[])[], report: BindingReport): HostBinding[] {
  const assembling = new Map<string, Assembling>();
  servers.forEach(({ gateway, server }, i) => {
    const gatewayKey = gatewayRefOf(gateway);
    const serverBindings = bindingsOf(gateway, server);
    for (const vs of lists[i]) {
      const matches = matchesOf(serverBindings, vs);
      recordMatches(report, gatewayKey, vs, matches);
      for (const match of matches) {
        if (match.admitted) assembling.set(match.effective, addBinding(assembling.get(match.effective), match, vs, gatewayKey, server));
      }
    }
  });
  return [...assembling.values()].map(finished);
}

function recordMatches(report: BindingReport, gatewayKey: string, vs: VirtualServiceObject, matches: readonly ServerMatch[]): void {
  for (const match of matches) {
    if (match.admitted) report.bound(gatewayKey, vs, match.vsHost);
    else report.refused(gatewayKey, vs, match.vsHost, match.written, match.serverHost.namespace);
  }
}

/** The gateways a VirtualService came through, as one string (the common single gateway: its own key). */
const joinedGateways = new WeakMap<ReadonlySet<string>, string>();
function gatewaysKey(gateways: ReadonlySet<string>): string {
  let key = joinedGateways.get(gateways);
  if (key === undefined) joinedGateways.set(gateways, (key = [...gateways].sort(compare).join(',')));
  return key;
}

/**
 * A set of one gateway, shared by every binding that came through that gateway alone (most of
 * them). Never edited: a second gateway makes a new set.
 */
const singleGateways = new Map<string, ReadonlySet<string>>();
function onlyGateway(gatewayKey: string): ReadonlySet<string> {
  let set = singleGateways.get(gatewayKey);
  if (!set) {
    if (singleGateways.size >= 4096) singleGateways.clear();
    singleGateways.set(gatewayKey, (set = new Set([gatewayKey])));
  }
  return set;
}

/** A server's host table, and what each VirtualService met on it (objects are immutable: computed once per pair). */
interface ServerBindings {
  namespace: string;
  table: HostTable<{ serverHost: ServerHost; written: string }>;
  byVirtualService: WeakMap<VirtualServiceObject, readonly ServerMatch[]>;
}

const serverBindings = new WeakMap<GatewayServer, ServerBindings>();

function bindingsOf(gateway: GatewayObject, server: GatewayServer): ServerBindings {
  const namespace = gateway.metadata.namespace;
  let bindings = serverBindings.get(server);
  if (bindings?.namespace !== namespace) {
    const table = new HostTable<{ serverHost: ServerHost; written: string }>();
    for (const written of server.hosts) {
      const serverHost = parseServerHost(written, namespace);
      table.add(serverHost.host, { serverHost, written });
    }
    bindings = { namespace, table, byVirtualService: new WeakMap() };
    serverBindings.set(server, bindings);
  }
  return bindings;
}

function matchesOf(bindings: ServerBindings, vs: VirtualServiceObject): readonly ServerMatch[] {
  let matches = bindings.byVirtualService.get(vs);
  if (!matches) {
    const found: ServerMatch[] = [];
    for (const vsHost of new Set(vs.spec.hosts)) {
      for (const { host: serverHostName, value: { serverHost, written } } of bindings.table.overlapping(vsHost)) {
        found.push({ vsHost, written, serverHost, admitted: serverHostAdmits(serverHost, vs.metadata.namespace), effective: moreSpecificHost(serverHostName, vsHost) });
      }
    }
    bindings.byVirtualService.set(vs, (matches = found));
  }
  return matches;
}

function stateKeyOf(vs: VirtualServiceObject): string {
  return stateKey(vs.metadata.namespace, vs.metadata.name);
}

/**
 * Which VirtualService hosts found a server host on the selected Gateways, and which were turned
 * away by a server host's namespace, so that a VirtualService that serves nothing is reported.
 * One per binding of a port or an HTTPS server's routes, read by `reportBindings` over all of them.
 */
export class BindingReport {
  /** By gateway, the VirtualServices bound and the hosts that did (one host as itself: most bind once). */
  private readonly boundByGateway = new Map<string, Map<VirtualServiceObject, string | Set<string>>>();
  readonly refusals = new Map<string, { vs: VirtualServiceObject; gatewayKey: string; vsHost: string; message: string }>();

  bound(gatewayKey: string, vs: VirtualServiceObject, vsHost: string): void {
    let byVs = this.boundByGateway.get(gatewayKey);
    if (!byVs) this.boundByGateway.set(gatewayKey, (byVs = new Map()));
    const hosts = byVs.get(vs);
    if (hosts === undefined) byVs.set(vs, vsHost);
    else if (typeof hosts === 'string') {
      if (hosts !== vsHost) byVs.set(vs, new Set([hosts, vsHost]));
    } else hosts.add(vsHost);
  }

  isBound(gatewayKey: string, vs: VirtualServiceObject, vsHost?: string): boolean {
    const hosts = this.boundByGateway.get(gatewayKey)?.get(vs);
    if (hosts === undefined) return false;
    if (vsHost === undefined) return true;
    return typeof hosts === 'string' ? hosts === vsHost : hosts.has(vsHost);
  }

  refused(gatewayKey: string, vs: VirtualServiceObject, vsHost: string, serverHost: string, admitted: string): void {
    const key = refusalKey(gatewayKey, vs, vsHost);
    if (this.refusals.has(key)) return;
    const message = `host ${vsHost}: server host ${serverHost} of Gateway ${gatewayKey} admits only VirtualServices of namespace ${admitted}`;
    this.refusals.set(key, { vs, gatewayKey, vsHost, message });
  }

  /** Drops what `vs` bound or was refused on `servers` (it changed or left). */
  forget(vs: VirtualServiceObject, servers: readonly BoundServer[]): void {
    for (const { gateway } of servers) {
      const gatewayKey = gatewayRefOf(gateway);
      this.boundByGateway.get(gatewayKey)?.delete(vs);
      for (const vsHost of vs.spec.hosts) {
        const key = refusalKey(gatewayKey, vs, vsHost);
        if (this.refusals.get(key)?.vs === vs) this.refusals.delete(key);
      }
    }
  }
}

function refusalKey(gatewayKey: string, vs: VirtualServiceObject, vsHost: string): string {
  return `${gatewayKey}\u0000${stateKey(vs.metadata.namespace, vs.metadata.name)}\u0000${vsHost}`;
}

/** Warns of VirtualServices bound to the proxy's Gateways that serve no host there, saying why where it is known. */
export function reportBindings(index: CompileIndex, reports: readonly BindingReport[], serversByPort: ReadonlyMap<number, readonly BoundServer[]>, diagnostics: Diagnostics): void {
  const bound = (gatewayKey: string, vs: VirtualServiceObject, vsHost?: string) => reports.some((report) => report.isBound(gatewayKey, vs, vsHost));
  const refused = new Set<string>();
  for (const report of reports) {
    for (const [key, { vs, gatewayKey, vsHost, message }] of report.refusals) {
      if (refused.has(key)) continue;
      refused.add(key);
      if (!bound(gatewayKey, vs, vsHost)) diagnostics.warn(objectKey(vs), message);
    }
  }
  const gatewayKeys = new Set<string>();
  for (const servers of serversByPort.values()) for (const { gateway } of servers) gatewayKeys.add(gatewayRefOf(gateway));
  for (const gatewayKey of gatewayKeys) {
    for (const vs of index.virtualServicesByGateway.get(gatewayKey) ?? []) {
      if (bound(gatewayKey, vs)) continue;
      if (vs.spec.hosts.some((host) => refused.has(refusalKey(gatewayKey, vs, host)))) continue; // already said why
      const l4 = vs.spec.tls !== undefined || vs.spec.tcp !== undefined;
      diagnostics.warn(
        objectKey(vs),
        l4
          ? `hosts ${vs.spec.hosts.join(', ')}: no route of this VirtualService reaches a server of Gateway ${gatewayKey} (server hosts, protocol and TLS mode, match port and sniHosts decide)`
          : `hosts ${vs.spec.hosts.join(', ')} match no HTTP server host of Gateway ${gatewayKey}`,
      );
    }
  }
}

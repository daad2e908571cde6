/**
 * Istio's host-name rules for Gateways and VirtualServices.
 *
 * A host is either exact (`httpbin.example.com`) or wildcarded at the front only: `*` (any
 * host) or `*.example.com` (any host ending in `.example.com`, at any depth; not
 * `example.com` itself). Two hosts *overlap* when one covers the other — Istio's
 * `host.Name.Matches`, which is symmetric. Where a Gateway server host and a VirtualService
 * host overlap, the traffic that reaches the VirtualService is their intersection, which is
 * the more specific of the two.
 */

export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/** Whether `a` and `b` overlap (Istio `host.Name(a).Matches(host.Name(b))`). */
export function hostsOverlap(a: string, b: string): boolean {
  const aWild = isWildcardHost(a);
  const bWild = isWildcardHost(b);
  if (!aWild && !bWild) return a === b;
  if (aWild && !bWild) return b.endsWith(a.slice(1));
  if (!aWild && bWild) return a.endsWith(b.slice(1));
  const aSuffix = a.slice(1);
  const bSuffix = b.slice(1);
  return aSuffix.endsWith(bSuffix) || bSuffix.endsWith(aSuffix);
}

/** The narrower of two overlapping hosts: an exact host over a wildcard, a longer wildcard over a shorter. */
export function moreSpecificHost(a: string, b: string): string {
  const aWild = isWildcardHost(a);
  const bWild = isWildcardHost(b);
  if (!aWild) return a;
  if (!bWild) return b;
  return a.length >= b.length ? a : b;
}

/** A Gateway server host split into who may bind to it and what host it serves. */
export interface ServerHost {
  /** Namespace whose VirtualServices may bind, or `*` for any. */
  namespace: string;
  host: string;
}

/**
 * Reads a server host as written: `host` and `*\/host` admit VirtualServices from any namespace,
 * `./host` only from the Gateway's own namespace, `ns/host` only from `ns`.
 */
export function parseServerHost(written: string, gatewayNamespace: string): ServerHost {
  const slash = written.indexOf('/');
  if (slash < 0) return { namespace: '*', host: written };
  const namespace = written.slice(0, slash);
  const host = written.slice(slash + 1);
  return { namespace: namespace === '.' ? gatewayNamespace : namespace, host };
}

export function serverHostAdmits(serverHost: ServerHost, virtualServiceNamespace: string): boolean {
  return serverHost.namespace === '*' || serverHost.namespace === virtualServiceNamespace;
}

/**
 * A set of hosts that answers "which of you overlap this host?" without scanning every exact
 * host: exact hosts are looked up, and only wildcards (few in practice) are scanned.
 */
export class HostTable<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly wildcards: { host: string; value: T }[] = [];
  private readonly all: { host: string; value: T }[] = [];

  add(host: string, value: T): void {
    this.all.push({ host, value });
    if (isWildcardHost(host)) {
      this.wildcards.push({ host, value });
      return;
    }
    const list = this.exact.get(host);
    if (list) list.push(value);
    else this.exact.set(host, [value]);
  }

  /**
   * Puts `next` where `previous` is, under `hosts` (those it was added under): an object replaced
   * by its new version with the same hosts keeps its place without the table being built again.
   */
  replace(previous: T, next: T, hosts: Iterable<string>): void {
    for (const list of [this.all, this.wildcards]) {
      for (let i = 0; i < list.length; i++) if (list[i].value === previous) list[i] = { host: list[i].host, value: next };
    }
    for (const host of hosts) {
      const list = this.exact.get(host);
      if (list) for (let i = 0; i < list.length; i++) if (list[i] === previous) list[i] = next;
    }
  }

  /** Entries whose host overlaps `host`: exact hits first, then wildcards, each in insertion order. */
  overlapping(host: string): { host: string; value: T }[] {
    if (isWildcardHost(host)) return this.all.filter((entry) => hostsOverlap(entry.host, host));
    const hits = (this.exact.get(host) ?? []).map((value) => ({ host, value }));
    for (const entry of this.wildcards) if (hostsOverlap(entry.host, host)) hits.push(entry);
    return hits;
  }
}

/**
 * One ADS stream's state-of-the-world bookkeeping, per resource type: what the proxy subscribed
 * to, what was last sent (version + nonce), what it ACKed, and the last NACK.
 *
 * The rules (xDS protocol, state of the world):
 * - A request whose nonce is not the last one sent for its type is stale and ignored.
 * - A request with the last nonce and no error_detail ACKs that version; with error_detail it
 *   NACKs it: the error is kept, and that same version is not sent again (no resend loop).
 * - A response goes out only when there is something new for the proxy: the first request of a
 *   type, a change of subscribed names, or content whose version differs from the last one sent.
 *   ACKs alone are never answered.
 * - Listeners and clusters may be subscribed by wildcard (no names); routes, endpoints and
 *   secrets are always named.
 */
import type { ProxyNode, TypeUrl } from '@meshgate/compiler';
import { TYPE_URL } from '@meshgate/compiler';
import { versionOf, type EncodedByType, type EncodedResource } from './resource-cache.js';

export interface Nack {
  version: string;
  nonce: string;
  message: string;
  at: string;
}

export interface TypeWatch {
  /** undefined = wildcard. */
  names?: Set<string>;
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  nack?: Nack;
}

export interface DiscoveryRequestLike {
  type_url: string;
  version_info?: string;
  resource_names?: string[];
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export interface DiscoveryResponseLike {
  type_url: string;
  version_info: string;
  nonce: string;
  resources: EncodedResource['any'][];
}

const WILDCARD_TYPES = new Set<string>([TYPE_URL.listener, TYPE_URL.cluster]);

function sameNames(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

export type RequestOutcome =
  | { kind: 'stale' }
  | { kind: 'ack'; version: string }
  | { kind: 'nack'; nack: Nack }
  | { kind: 'subscribe' };

export class AdsConnection {
  readonly watches = new Map<string, TypeWatch>();
  private nonceCounter = 0;
  readonly connectedAt = new Date().toISOString();

  constructor(
    readonly streamId: number,
    readonly node: ProxyNode,
  ) {}

  /** Applies a request to the bookkeeping; `respond` tells whether the type needs a response. */
  handleRequest(request: DiscoveryRequestLike): { outcome: RequestOutcome; respond: boolean } {
    const typeUrl = request.type_url;
    let watch = this.watches.get(typeUrl);
    if (!watch) {
      watch = {};
      this.watches.set(typeUrl, watch);
    }
    const requested = request.resource_names ?? [];
    const names = requested.length === 0 && WILDCARD_TYPES.has(typeUrl) ? undefined : new Set(requested);
    const namesChanged = !sameNames(watch.names, names) || watch.sentNonce === undefined;
    const nonce = request.response_nonce ?? '';

    let outcome: RequestOutcome = { kind: 'subscribe' };
    if (nonce !== '') {
      if (nonce !== watch.sentNonce) return { outcome: { kind: 'stale' }, respond: false };
      const errorMessage = request.error_detail?.message;
      if (request.error_detail && (errorMessage !== undefined || request.error_detail.code)) {
        watch.nack = { version: watch.sentVersion ?? '', nonce, message: errorMessage ?? `code ${request.error_detail.code}`, at: new Date().toISOString() };
        outcome = { kind: 'nack', nack: watch.nack };
      } else {
        watch.ackedVersion = request.version_info ?? watch.sentVersion;
        watch.nack = undefined;
        outcome = { kind: 'ack', version: watch.ackedVersion ?? '' };
      }
    }
    watch.names = names;
    return { outcome, respond: namesChanged };
  }

  /**
   * The response for one type if its content differs from what was last sent (or `force`, for a
   * changed subscription), else undefined. A version that was NACKed is not sent again.
   */
  responseFor(typeUrl: TypeUrl, resources: EncodedByType, force: boolean): DiscoveryResponseLike | undefined {
    const watch = this.watches.get(typeUrl);
    if (!watch) return undefined;
    const available = resources.get(typeUrl) ?? new Map<string, EncodedResource>();
    const selected: EncodedResource[] = [];
    if (watch.names === undefined) selected.push(...available.values());
    else for (const name of watch.names) {
      const found = available.get(name);
      if (found) selected.push(found);
    }
    const version = versionOf(selected);
    if (!force && version === watch.sentVersion) return undefined;
    if (!force && watch.nack && watch.nack.version === version) return undefined;
    watch.sentVersion = version;
    watch.sentNonce = String(++this.nonceCounter);
    selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { type_url: typeUrl, version_info: version, nonce: watch.sentNonce, resources: selected.map((r) => r.any) };
  }
}

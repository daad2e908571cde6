/** What `GET /v1/proxies` and `GET /v1/proxies/:id/config` show of the connected proxies. */
import { TYPE_URL, type ProxyNode } from '@meshgate/compiler';
import type { Nack } from './ads-connection.js';
import type { XdsConnection } from './ads-server.js';
import { shortType } from './ads-server.js';
import type { TypeSnapshot } from './resource-cache.js';
import { redactSecret } from './sds-secrets.js';

export interface TypeStatus {
  subscribed: string[] | '*';
  sentVersion: string | null;
  ackedVersion: string | null;
  /** The last rejection of this type, until a later version is ACKed. */
  nack: Nack | null;
  /** true when the proxy ACKed what was last sent. */
  synced: boolean;
}

export interface ProxyStatus {
  id: string;
  node: ProxyNode;
  /** `sotw` (StreamAggregatedResources) or `delta` (DeltaAggregatedResources). */
  protocol: 'sotw' | 'delta';
  /** The proxy's own version (`envoy/1.31.0`), as istioctl's VERSION column shows it; absent when the node does not say. */
  version?: string;
  connectedAt: string;
  types: Record<string, TypeStatus>;
}

export function proxyStatus(connection: XdsConnection): ProxyStatus {
  const types: Record<string, TypeStatus> = {};
  for (const [typeUrl, watch] of [...connection.watches].sort(([a], [b]) => a.localeCompare(b))) {
    types[shortType(typeUrl)] = {
      subscribed: watch.names ? [...watch.names].sort() : '*',
      sentVersion: watch.sentVersion ?? null,
      ackedVersion: watch.ackedVersion ?? null,
      nack: watch.nack ?? null,
      synced: watch.sentVersion !== undefined && watch.sentVersion === watch.ackedVersion,
    };
  }
  return { id: connection.node.id, node: connection.node, protocol: connection.protocol, ...(connection.userAgent === undefined ? {} : { version: connection.userAgent }), connectedAt: connection.connectedAt, types };
}

/** The compiled configuration of a proxy, by short type name, as objects; private keys read `"[redacted]"`. */
export function proxyConfig(byType: ReadonlyMap<string, TypeSnapshot>): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [typeUrl, snapshot] of byType) {
    const objects = [...snapshot.resources.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => r.object);
    // Identity secrets are stored redacted already; this covers any other Secret too.
    out[shortType(typeUrl)] = typeUrl === TYPE_URL.secret ? objects.map(redactSecret) : objects;
  }
  return out;
}

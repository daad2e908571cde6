/**
 * What the xds service reports about its proxies, free of any transport: `GET /v1/proxies[/:id/config]`
 * and the gRPC Proxies service both come here. Without an xds service alongside, both refuse with
 * MG_ERR_XDS_UNAVAILABLE; an id no connected proxy has is MG_ERR_NOT_FOUND.
 */
import { apiError } from './errors.js';
import type { ProxySource } from './options.js';

export function requireProxies(proxies: ProxySource | undefined): ProxySource {
  if (proxies === undefined) throw apiError('MG_ERR_XDS_UNAVAILABLE', 'no xds service runs with this api, so there are no proxies to report on');
  return proxies;
}

export async function listProxies(proxies: ProxySource | undefined): Promise<unknown[]> {
  return requireProxies(proxies).list();
}

export async function proxyConfig(proxies: ProxySource | undefined, id: string): Promise<unknown> {
  const config: unknown = await requireProxies(proxies).config(id);
  if (config === undefined) throw apiError('MG_ERR_NOT_FOUND', `no proxy "${id}" is connected`);
  return config;
}

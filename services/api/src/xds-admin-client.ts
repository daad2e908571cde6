/**
 * Proxy status from an xds service running as its own process (distributed mode): the api
 * forwards `/v1/proxies` to the xds service's admin endpoint.
 */
import type { ProxySource } from './options.js';

/** `token` holds the `read` scope on the xds process (MESHGATE_XDS_ADMIN_TOKEN, else the API token). */
export function remoteProxySource(xdsAdminUrl: string, token: string | undefined): ProxySource {
  const base = xdsAdminUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const fetchJson = async (url: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.json() };
  };
  return {
    async list() {
      const { status, body } = await fetchJson(`${base}/v1/proxies`);
      if (status !== 200 || typeof body !== 'object' || body === null || !Array.isArray((body as { items?: unknown }).items)) {
        throw new Error(`the xds service at ${base} answered ${status} to GET /v1/proxies`);
      }
      return (body as { items: unknown[] }).items;
    },
    async config(id: string) {
      const { status, body } = await fetchJson(`${base}/v1/proxies/${encodeURIComponent(id)}/config`);
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`the xds service at ${base} answered ${status} to GET /v1/proxies/${id}/config`);
      return body;
    },
  };
}

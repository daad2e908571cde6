/**
 * A thin client of meshgate's REST API for the e2e tests. Every call but the open ones
 * (health, the CA bundle) carries a token: `RunningMeshgate.apiToken` in the embedded mode, the
 * configured one in the distributed mode.
 */
export interface ApplyResponse {
  status: number;
  body: { sequence?: number; results?: { kind: string; name: string; action: string }[]; errors?: { path: string; message: string }[] };
}

function authorization(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** `POST /v1/apply` with a token holding `write`. */
export async function apply(apiUrl: string, yaml: string, token: string | undefined): Promise<ApplyResponse> {
  const response = await fetch(`${apiUrl}/v1/apply`, { method: 'POST', headers: { 'content-type': 'application/yaml', ...authorization(token) }, body: yaml });
  return { status: response.status, body: (await response.json()) as ApplyResponse['body'] };
}

/** GET with a token (reads need `read`); without one for the open endpoints. */
export async function getJson<T>(url: string, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: authorization(token) });
  return { status: response.status, body: (await response.json()) as T };
}

export interface ProxyTypeStatus {
  subscribed: string[] | '*';
  sentVersion: string | null;
  ackedVersion: string | null;
  nack: { message: string } | null;
  synced: boolean;
}

export interface ProxyStatusBody {
  id: string;
  /** The node as meshgate serves it (its identity from the client certificate). */
  node?: { namespace?: string; serviceAccount?: string };
  connectedAt: string;
  types: Record<string, ProxyTypeStatus>;
}

export async function proxies(apiUrl: string, token: string | undefined): Promise<ProxyStatusBody[]> {
  const { status, body } = await getJson<{ items: ProxyStatusBody[] }>(`${apiUrl}/v1/proxies`, token);
  if (status !== 200) throw new Error(`GET /v1/proxies answered ${status}`);
  return body.items;
}

/** Polls `probe` until it returns a value, or fails after the deadline with `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 20000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

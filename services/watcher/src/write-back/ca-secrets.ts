/**
 * Where the write-back reads what the CA published: `GET /v1/secrets/NS/NAME` (a Kubernetes
 * Secret, `data` base64) with a token holding the `ca-secrets` scope, and the open trust
 * bundle `GET /v1/ca/bundle`. The payload carries a private key: it is passed on, never logged,
 * and the token is never part of an error message.
 */
import type { SecretRef } from './plan.js';

export interface IssuedSecret {
  type: string;
  /** Key → base64, as Kubernetes holds `data`. */
  data: Record<string, string>;
}

export interface IssuedSecretSource {
  /** The published secret, or null when the CA has not published it (yet). */
  read(ref: SecretRef): Promise<IssuedSecret | null>;
  /** The PEM trust bundle (every active root). */
  bundle(): Promise<string>;
}

export class CaHttpSecrets implements IssuedSecretSource {
  constructor(
    /** The CA's REST base URL (the api's in the embedded run, which serves the CA routes). */
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async read(ref: SecretRef): Promise<IssuedSecret | null> {
    const path = `/v1/secrets/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(ref.name)}`;
    const response = await fetch(new URL(path, this.baseUrl), { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    if (response.status === 404) return null;
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new Error(`reading ${ref.namespace}/${ref.name} from the CA: HTTP ${response.status} ${problem.code ?? ''} ${problem.message ?? ''}`.trim());
    }
    const secret = (await response.json()) as { type?: unknown; data?: unknown };
    if (typeof secret.type !== 'string' || typeof secret.data !== 'object' || secret.data === null) throw new Error(`the CA answered for ${ref.namespace}/${ref.name} without type and data`);
    return { type: secret.type, data: secret.data as Record<string, string> };
  }

  async bundle(): Promise<string> {
    const response = await fetch(new URL('/v1/ca/bundle', this.baseUrl));
    if (!response.ok) throw new Error(`reading the CA's trust bundle: HTTP ${response.status}`);
    const { pem } = (await response.json()) as { pem?: unknown };
    if (typeof pem !== 'string') throw new Error("the CA's trust bundle answer has no pem");
    return pem;
  }
}

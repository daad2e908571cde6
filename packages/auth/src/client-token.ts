/**
 * The token a service presents to another: the xds service to the CA's gRPC `Issue`. It needs
 * the `ca-issue` scope. MESHGATE_CA_TOKEN or MESHGATE_CA_TOKEN_FILE; with neither, the single API
 * token (MESHGATE_API_TOKEN or _FILE), so that a deployment with one token keeps working.
 */
import { AuthConfigError } from './errors.js';
import { checkToken, readTextFile } from './token-text.js';

export interface ClientToken {
  token?: string;
  /** Which variable it came from, for a log line. */
  source: string;
}

function pick(env: NodeJS.ProcessEnv, name: string): ClientToken | undefined {
  const inline = env[name] === '' ? undefined : env[name];
  const file = env[`${name}_FILE`] === '' ? undefined : env[`${name}_FILE`];
  if (inline !== undefined && file !== undefined) throw new AuthConfigError(`set ${name} or ${name}_FILE, not both`, name);
  if (inline !== undefined) return { token: checkToken(inline, name), source: name };
  if (file !== undefined) return { token: checkToken(readTextFile(file, `${name}_FILE`), `${name}_FILE`), source: `${name}_FILE (${file})` };
  return undefined;
}

export function loadCaClientToken(env: NodeJS.ProcessEnv): ClientToken {
  return pick(env, 'MESHGATE_CA_TOKEN') ?? pick(env, 'MESHGATE_API_TOKEN') ?? { source: 'none (MESHGATE_CA_TOKEN, MESHGATE_API_TOKEN unset)' };
}

/**
 * The token the api process presents to the xds process's admin endpoint (`/v1/proxies`), which
 * needs the `read` scope: MESHGATE_XDS_ADMIN_TOKEN(_FILE), else the single API token.
 */
export function loadXdsAdminClientToken(env: NodeJS.ProcessEnv): ClientToken {
  return pick(env, 'MESHGATE_XDS_ADMIN_TOKEN') ?? pick(env, 'MESHGATE_API_TOKEN') ?? { source: 'none (MESHGATE_XDS_ADMIN_TOKEN, MESHGATE_API_TOKEN unset)' };
}

/**
 * The token the watcher presents to the CA's `GET /v1/secrets/…` to write the published secrets
 * back to Kubernetes; it needs the `ca-secrets` scope: MESHGATE_WRITE_BACK_TOKEN(_FILE), else
 * the single API token.
 */
export function loadWriteBackClientToken(env: NodeJS.ProcessEnv): ClientToken {
  return pick(env, 'MESHGATE_WRITE_BACK_TOKEN') ?? pick(env, 'MESHGATE_API_TOKEN') ?? { source: 'none (MESHGATE_WRITE_BACK_TOKEN, MESHGATE_API_TOKEN unset)' };
}

/**
 * `GET /v1/version`: the server's version, for `meshgate version` (as istioctl shows client and
 * control-plane versions side by side). Open like /healthz: it names a build, nothing more.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

export interface ServerVersion {
  version: string;
  node: string;
}

function apiPackageVersion(): string {
  // dist/src/routes/version.js → services/api/package.json
  const manifest = createRequire(import.meta.url)('../../../package.json') as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

export function registerVersionRoute(app: FastifyInstance): void {
  const body: ServerVersion = { version: apiPackageVersion(), node: process.version };
  const schema = { type: 'object', properties: { version: { type: 'string' }, node: { type: 'string' } } } as const;
  app.get('/v1/version', { schema: { summary: 'Server version', response: { 200: schema } } }, async () => body);
}

/**
 * `GET /v1/secrets/:namespace/:name`: a published secret as Kubernetes shows one (`data` values
 * base64), for the ingress controller's deployment or `meshgate cert get`. It returns a private
 * key, so it takes a `ca-secrets` token (`ca-admin` includes it); the answer says `Cache-Control: no-store`.
 */
import type { FastifyInstance } from 'fastify';
import type { Credentials } from '@meshgate/auth';
import { checkSecretRef, secretRefText, type SecretStore } from '../secret-store.js';
import { requireOperation } from './auth.js';

export interface KubernetesSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string };
  type: string;
  data: Record<string, string>;
}

export function registerSecretRoutes(app: FastifyInstance, secrets: Pick<SecretStore, 'read'>, auth: Credentials): void {
  app.get<{ Params: { namespace: string; name: string } }>('/v1/secrets/:namespace/:name', { onRequest: requireOperation(auth, 'secrets') }, async (request, reply) => {
    const ref = checkSecretRef({ namespace: request.params.namespace, name: request.params.name });
    const secret = await secrets.read(ref);
    if (secret === null) return reply.status(404).send({ code: 'MG_ERR_NOT_FOUND', message: `secret ${secretRefText(ref)} not found` });
    const data: Record<string, string> = {};
    for (const key of Object.keys(secret.data).sort()) data[key] = Buffer.from(secret.data[key], 'utf8').toString('base64');
    const body: KubernetesSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: ref.namespace }, type: secret.meta.type, data };
    // The body carries a private key: no cache may keep it.
    return reply.header('cache-control', 'no-store').send(body);
  });
}

/**
 * `GET /v1/secrets/:namespace/:name`: a secret as Kubernetes shows one (`data` values base64) —
 * one the CA published, or an applied Secret's payload — for the ingress controller's deployment,
 * `meshgate cert get`, or whoever must read an applied Secret back. It returns a private key, so
 * it takes a `ca-secrets` token (`ca-admin` includes it); the answer says `Cache-Control: no-store`.
 * It is the only route that returns a Secret's bytes: `GET /v1/resources/.../secrets/NAME` shows
 * key names and digests.
 */
import type { FastifyInstance } from 'fastify';
import type { Credentials } from '@meshgate/auth';
import { checkSecretRef, secretRefText, type SecretReader } from '@meshgate/secrets';
import { requireOperation } from './auth.js';

export interface KubernetesSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string };
  type: string;
  data: Record<string, string>;
}

export function registerSecretRoutes(app: FastifyInstance, secrets: SecretReader, auth: Credentials): void {
  app.get<{ Params: { namespace: string; name: string } }>('/v1/secrets/:namespace/:name', { onRequest: requireOperation(auth, 'secrets') }, async (request, reply) => {
    const ref = checkSecretRef({ namespace: request.params.namespace, name: request.params.name });
    const secret = await secrets.readBytes(ref);
    if (secret === null) return reply.status(404).send({ code: 'MG_ERR_NOT_FOUND', message: `secret ${secretRefText(ref)} not found` });
    // fromEntries, not assignment: a key may be `__proto__`.
    const data: Record<string, string> = Object.fromEntries([...secret.data.keys()].sort().map((key) => [key, secret.data.get(key)?.toString('base64') ?? '']));
    const body: KubernetesSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: ref.namespace }, type: secret.type, data };
    // The body carries a private key: no cache may keep it.
    return reply.header('cache-control', 'no-store').send(body);
  });
}

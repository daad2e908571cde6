/**
 * Server-side apply, as controllers write to the apiserver: `PATCH` with
 * `Content-Type: application/apply-patch+yaml` (a JSON body is YAML), `fieldManager=meshgate`,
 * `force=true` — meshgate is the one authority for what it writes, so a field another manager
 * took is taken back rather than left in conflict.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import fetch from 'node-fetch';
import { KubernetesHttpError, statusMessage } from './kubernetes-client.js';
import type { KubernetesResource } from './kubernetes-resources.js';

export const FIELD_MANAGER = 'meshgate';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** The URL path of one object (`…/namespaces/NS/PLURAL/NAME`), or of its status subresource. */
export function objectPath(resource: KubernetesResource, namespace: string, name: string, subresource?: 'status'): string {
  const base = resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${resource.plural}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

/**
 * Applies `object` (apiVersion, kind, metadata.name/namespace and the fields meshgate owns) and
 * returns what the apiserver answered. A refusal is a KubernetesHttpError with its status code.
 */
export async function applyObject(
  kc: KubeConfig,
  resource: KubernetesResource,
  object: { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown },
  subresource?: 'status',
): Promise<Record<string, unknown>> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubernetes: no current cluster');
  const path = objectPath(resource, object.metadata.namespace ?? '', object.metadata.name, subresource);
  const url = new URL(server + path);
  url.searchParams.set('fieldManager', FIELD_MANAGER);
  url.searchParams.set('force', 'true');
  // The credentials (bearer token, client certificate) and the cluster's CA, as the kubeconfig says.
  const init = await kc.applyToFetchOptions({ headers: { 'content-type': APPLY_PATCH_CONTENT_TYPE, accept: 'application/json' } });
  const body = JSON.stringify({ apiVersion: resource.apiVersion, kind: resource.kind, ...object });
  const response = await fetch(url.toString(), { ...init, method: 'PATCH', body });
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new KubernetesHttpError(`apply ${path}: HTTP ${response.status} ${statusMessage(text)}`.trim(), response.status);
  }
  return (await response.json()) as Record<string, unknown>;
}

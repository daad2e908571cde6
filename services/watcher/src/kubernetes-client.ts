/**
 * The few calls the Kubernetes source makes beyond `@kubernetes/client-node`'s informer: loading
 * the kubeconfig, listing a collection (paged, kind and apiVersion restored on every item), and
 * a `Watch` that asks for bookmarks.
 */
import { KubeConfig, Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import path from 'node:path';
import fetch from 'node-fetch';
import { collectionPath, type KubernetesResource } from './kubernetes-resources.js';

export interface KubernetesConnection {
  /** One kubeconfig file (its current context is used). */
  kubeconfig?: string;
  /** The pod's service account (`/var/run/secrets/kubernetes.io/serviceaccount`) and `KUBERNETES_SERVICE_HOST`. */
  inCluster?: boolean;
}

/** Throws when neither is given, or when the kubeconfig names no cluster to talk to. */
export function loadKubeConfig(connection: KubernetesConnection): KubeConfig {
  const kc = new KubeConfig();
  if (connection.inCluster) kc.loadFromCluster();
  else if (connection.kubeconfig?.includes(path.delimiter)) {
    // Not merged silently: say how to make the one file kubectl would see.
    throw new Error(`kubernetes: ${connection.kubeconfig} lists several kubeconfig files; give one (kubectl config view --flatten --minify > FILE)`);
  } else if (connection.kubeconfig) kc.loadFromFile(connection.kubeconfig);
  else throw new Error('kubernetes: give a kubeconfig or in-cluster');
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubernetes: ${connection.kubeconfig ?? 'in-cluster config'} has no current context with a cluster`);
  return kc;
}

/** An HTTP error from the apiserver; `statusCode` 410 makes the informer relist. */
export class KubernetesHttpError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

const PAGE_SIZE = 500;

/**
 * Lists the whole collection, following `continue` tokens. Typed lists leave `kind` and
 * `apiVersion` off their items; they are put back so that each object reads like a manifest.
 */
export async function listCollection(
  kc: KubeConfig,
  resource: KubernetesResource,
  labelSelector: string | undefined,
): Promise<KubernetesListObject<KubernetesObject>> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubernetes: no current cluster');
  const items: KubernetesObject[] = [];
  let resourceVersion = '';
  let continueToken: string | undefined;
  do {
    const url = new URL(server + collectionPath(resource));
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (continueToken) url.searchParams.set('continue', continueToken);
    if (labelSelector) url.searchParams.set('labelSelector', labelSelector);
    const init = await kc.applyToFetchOptions({});
    const response = await fetch(url.toString(), { ...init, method: 'GET' });
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      throw new KubernetesHttpError(`list ${collectionPath(resource)}: HTTP ${response.status} ${statusMessage(body)}`.trim(), response.status);
    }
    const list = (await response.json()) as KubernetesListObject<KubernetesObject>;
    for (const item of list.items ?? []) items.push({ ...item, apiVersion: resource.apiVersion, kind: resource.kind });
    resourceVersion = list.metadata?.resourceVersion ?? '';
    // Raw JSON: the field is `continue` (client-node's typed models call it `_continue`).
    continueToken = (list.metadata as { continue?: string } | undefined)?.continue || undefined;
  } while (continueToken);
  return { apiVersion: resource.apiVersion, kind: `${resource.kind}List`, metadata: { resourceVersion }, items };
}

export function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === 'string' ? status.message : '';
  } catch {
    return '';
  }
}

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/**
 * client-node's `Watch`, asking for bookmarks (`allowWatchBookmarks=true`): the apiserver then
 * moves the watch's resourceVersion forward even when nothing changes, so a reconnect resumes
 * from a recent version instead of one that may have been compacted (a needless relist).
 * `onActivity` hears every event, bookmarks included: the connection works.
 */
export class BookmarkingWatch extends Watch {
  private closed = false;

  constructor(
    config: KubeConfig,
    private readonly onActivity: () => void,
  ) {
    super(config);
  }

  override watch(
    collection: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // ListWatch starts its watch when a list returns, even if it was stopped meanwhile.
    if (this.closed) {
      const aborted = new AbortController();
      aborted.abort();
      return Promise.resolve(aborted);
    }
    return super.watch(
      collection,
      { ...queryParams, allowWatchBookmarks: true },
      (phase, apiObj, watchObj) => {
        this.onActivity();
        callback(phase, apiObj, watchObj);
      },
      done,
    );
  }

  /** No new connection from now on (the source is stopping). */
  close(): void {
    this.closed = true;
  }
}

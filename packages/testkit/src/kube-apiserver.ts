/**
 * A local HTTP server speaking the Kubernetes list/watch wire protocol, for tests (no
 * kube-apiserver can be installed here). It follows the API concepts documentation
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/):
 *
 * - `GET /api/v1/{plural}` and `/apis/{group}/{version}/{plural}` (also `…/namespaces/{ns}/{plural}`)
 *   list a collection: `{kind: "<Kind>List", apiVersion, metadata: {resourceVersion}, items}`.
 *   Items of built-in kinds carry no `kind`/`apiVersion` (as typed lists do); custom resources' do.
 *   `labelSelector` takes equality terms (`a=b,c!=d`, `a`, `!a`). `limit` is ignored, as by an
 *   apiserver with list chunking off: one page, no `continue`.
 * - `?watch=1` streams `{"type": …, "object": …}` lines (chunked `application/json`):
 *   `resourceVersion` unset or "0" first sends the current objects as `ADDED`; `N` sends every
 *   change after N; an N older than the compacted history gets one `ERROR` event whose object is
 *   a `Status` with `code: 410`, `reason: "Expired"`, and the stream ends (what the apiserver does
 *   for watches). `allowWatchBookmarks=true` lets `bookmark()` send `BOOKMARK` events (an object
 *   of the kind with only `metadata.resourceVersion`). With a label selector, an object that
 *   stops matching is sent as `DELETED`, one that starts matching as `ADDED`.
 * - Errors are `Status` objects with the HTTP code: 401 without the bearer token, 404 for an
 *   unknown collection, 410 on demand (`failNextWatchWithGone()`).
 *
 * It serves HTTPS with a self-signed certificate for 127.0.0.1 (made by openssl), named in the
 * kubeconfig it writes, as an apiserver does: client-node refuses bearer tokens over plain HTTP.
 *
 * resourceVersions are one cluster-wide counter, as etcd's revision; clients must treat them as
 * opaque, and this server never lets them go backwards.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';

export interface KubeResourceType {
  kind: string;
  /** `v1` or `group/version`. */
  apiVersion: string;
  plural: string;
  namespaced: boolean;
}

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
};

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEntry {
  rv: number;
  type: EventType;
  resource: KubeResourceType;
  object: KubeObject;
  /** The object before the change (MODIFIED), to translate selector transitions. */
  previous?: KubeObject;
}

interface ActiveWatch {
  resource: KubeResourceType;
  namespace: string | undefined;
  selector: LabelSelector;
  bookmarks: boolean;
  response: http.ServerResponse;
}

type LabelSelector = (labels: Record<string, string>) => boolean;

function parseSelector(text: string | null): LabelSelector {
  if (!text) return () => true;
  const terms = text.split(',').map((term) => term.trim()).filter(Boolean).map((term): LabelSelector => {
    const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
    if (notEqual) return (labels) => labels[notEqual[1]] !== notEqual[2];
    const equal = /^([^!=]+)==?(.*)$/.exec(term);
    if (equal) return (labels) => labels[equal[1]] === equal[2];
    if (term.startsWith('!')) return (labels) => !(term.slice(1) in labels);
    return (labels) => term in labels;
  });
  return (labels) => terms.every((term) => term(labels));
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function isBuiltIn(resource: KubeResourceType): boolean {
  return !resource.apiVersion.includes('.') || resource.apiVersion.startsWith('networking.k8s.io/') || resource.apiVersion.startsWith('discovery.k8s.io/');
}

/** A self-signed certificate for 127.0.0.1, valid one day. */
function selfSignedCertificate(): { key: string; cert: string } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'meshgate-kube-tls-'));
  try {
    const keyFile = path.join(directory, 'key.pem');
    const certFile = path.join(directory, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

export class FakeKubeApiServer {
  readonly token = `kube-test-token-${process.pid}-${Date.now()}`;
  private readonly tls = selfSignedCertificate();
  private readonly server: https.Server;
  private readonly objects = new Map<string, { resource: KubeResourceType; object: KubeObject }>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private readonly sockets = new Set<Duplex>();
  private revision = 1;
  /** Watches from a resourceVersion at or below this are answered with 410 Gone. */
  private compactedRevision = 0;
  private goneOnNextWatch = false;
  private port = 0;
  /** Requests served, for assertions on what the client did. */
  readonly requests: { method: string; url: string }[] = [];

  constructor(private readonly resources: readonly KubeResourceType[]) {
    this.server = https.createServer({ key: this.tls.key, cert: this.tls.cert }, (request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port || this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Writes a kubeconfig for this server (bearer token auth) and returns its path. */
  writeKubeconfig(directory = fs.mkdtempSync(path.join(os.tmpdir(), 'meshgate-kube-'))): string {
    const file = path.join(directory, 'kubeconfig');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test\n  cluster:\n    server: ${this.url}\n    certificate-authority-data: ${Buffer.from(this.tls.cert).toString('base64')}`,
        'users:',
        `- name: test\n  user:\n    token: ${this.token}`,
        'contexts:',
        '- name: test\n  context:\n    cluster: test\n    user: test',
        'current-context: test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return file;
  }

  /** Stops listening and cuts every connection: the apiserver is down. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.watches.clear();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    await this.start(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  /** Cuts every open watch mid-stream (the TCP connection is reset, no final chunk). */
  dropWatches(): void {
    for (const watch of this.watches) watch.response.socket?.destroy();
    this.watches.clear();
  }

  /** Forgets the history up to now: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history.length = 0;
  }

  /** The next watch request is answered `410 Gone` with a Status body (as for an expired list continuation). */
  failNextWatchWithGone(): void {
    this.goneOnNextWatch = true;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that asked for bookmarks. */
  bookmark(): void {
    for (const watch of this.watches) {
      if (!watch.bookmarks) continue;
      const object = { kind: watch.resource.kind, apiVersion: watch.resource.apiVersion, metadata: { resourceVersion: String(this.revision) } };
      watch.response.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
    }
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Every object held, with its server-set metadata. */
  list(): KubeObject[] {
    return [...this.objects.values()].map((entry) => structuredClone(entry.object));
  }

  /** Creates or replaces an object (given without status fields, as a client would send it). */
  apply(input: KubeObject): KubeObject {
    const resource = this.resourceOf(input);
    const key = this.keyOf(resource, input);
    const existing = this.objects.get(key);
    const rv = ++this.revision;
    const metadata: KubeObject['metadata'] = { ...input.metadata, resourceVersion: String(rv) };
    if (resource.namespaced) metadata.namespace ??= 'default';
    else delete metadata.namespace;
    metadata.uid = (existing?.object.metadata.uid as string | undefined) ?? `uid-${rv}`;
    metadata.creationTimestamp = (existing?.object.metadata.creationTimestamp as string | undefined) ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const object: KubeObject = { ...structuredClone(input), apiVersion: resource.apiVersion, kind: resource.kind, metadata };
    this.objects.set(key, { resource, object });
    this.record({ rv, type: existing ? 'MODIFIED' : 'ADDED', resource, object, previous: existing?.object });
    return structuredClone(object);
  }

  /** Deletes an object; the DELETED event carries its last state at a new resourceVersion. */
  delete(kind: string, namespace: string, name: string): boolean {
    const resource = this.resources.find((candidate) => candidate.kind === kind);
    if (!resource) throw new Error(`unknown kind ${kind}`);
    const key = this.keyOf(resource, { metadata: { name, namespace } });
    const existing = this.objects.get(key);
    if (!existing) return false;
    this.objects.delete(key);
    const rv = ++this.revision;
    const object = { ...existing.object, metadata: { ...existing.object.metadata, resourceVersion: String(rv) } };
    this.record({ rv, type: 'DELETED', resource, object });
    return true;
  }

  private resourceOf(object: KubeObject): KubeResourceType {
    const resource = this.resources.find((candidate) => candidate.kind === object.kind && (object.apiVersion === undefined || candidate.apiVersion === object.apiVersion));
    if (!resource) throw new Error(`the test apiserver serves no ${object.apiVersion}/${object.kind}`);
    return resource;
  }

  private keyOf(resource: KubeResourceType, object: Pick<KubeObject, 'metadata'>): string {
    return `${resource.apiVersion}/${resource.kind}/${resource.namespaced ? (object.metadata.namespace ?? 'default') : ''}/${object.metadata.name}`;
  }

  private record(entry: HistoryEntry): void {
    this.history.push(entry);
    for (const watch of this.watches) this.send(watch, entry);
  }

  /** Writes one history entry to a watch, translated for its namespace and label selector. */
  private send(watch: ActiveWatch, entry: HistoryEntry): void {
    if (entry.resource !== watch.resource) return;
    if (watch.namespace !== undefined && entry.object.metadata.namespace !== watch.namespace) return;
    const matchesNow = watch.selector(entry.object.metadata.labels ?? {});
    const matchedBefore = entry.previous ? watch.selector(entry.previous.metadata.labels ?? {}) : false;
    let type: EventType | undefined = entry.type;
    if (entry.type === 'MODIFIED') {
      if (matchesNow) type = matchedBefore ? 'MODIFIED' : 'ADDED';
      else type = matchedBefore ? 'DELETED' : undefined;
    } else if (!matchesNow) {
      type = undefined;
    }
    if (type) watch.response.write(`${JSON.stringify({ type, object: entry.object })}\n`);
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.requests.push({ method: request.method ?? '', url: request.url ?? '' });
    const reply = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      reply(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const url = new URL(request.url ?? '/', this.url);
    const match = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(url.pathname);
    const apiVersion = match ? (match[1] ?? match[2]) : undefined;
    const resource = match ? this.resources.find((candidate) => candidate.apiVersion === apiVersion && candidate.plural === match[4]) : undefined;
    if (!match || !resource || request.method !== 'GET' || (match[3] !== undefined && !resource.namespaced)) {
      reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const namespace = match[3];
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    const watchParam = url.searchParams.get('watch');
    if (watchParam === '1' || watchParam === 'true') {
      this.watch(resource, namespace, selector, url.searchParams, response);
      return;
    }
    const items = [...this.objects.values()]
      .filter((entry) => entry.resource === resource)
      .map((entry) => entry.object)
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .filter((object) => selector(object.metadata.labels ?? {}))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`))
      .map((object) => {
        if (!isBuiltIn(resource)) return object;
        const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
        return rest;
      });
    reply(200, { kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: String(this.revision) }, items });
  }

  private watch(resource: KubeResourceType, namespace: string | undefined, selector: LabelSelector, query: URLSearchParams, response: http.ServerResponse): void {
    if (this.goneOnNextWatch) {
      this.goneOnNextWatch = false;
      response.writeHead(410, { 'content-type': 'application/json' });
      response.end(JSON.stringify(status(410, 'Expired', 'too old resource version')));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    const watch: ActiveWatch = { resource, namespace, selector, bookmarks: query.get('allowWatchBookmarks') === 'true', response };
    const from = query.get('resourceVersion');
    if (!from || from === '0') {
      for (const { resource: objectResource, object } of this.objects.values()) {
        if (objectResource !== resource) continue;
        this.send(watch, { rv: 0, type: 'ADDED', resource, object });
      }
    } else {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < this.compactedRevision) {
        const message = `too old resource version: ${from} (${this.compactedRevision})`;
        response.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', message) })}\n`);
        return;
      }
      for (const entry of this.history) if (entry.rv > rv) this.send(watch, entry);
    }
    this.watches.add(watch);
    response.on('close', () => this.watches.delete(watch));
  }
}

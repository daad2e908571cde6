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
 * - `GET …/{plural}/{name}` reads one object.
 * - `PATCH …/{plural}/{name}` and `…/{name}/status` with `Content-Type: application/apply-patch+yaml`
 *   are server-side apply (https://kubernetes.io/docs/reference/using-api/server-side-apply/,
 *   rules in kube-apply.ts): `fieldManager` is required (400 without), `force=true` takes
 *   conflicting fields (409 `Conflict` with a `FieldManagerConflict` cause per field without
 *   it), the main resource creates the object when absent (201) and ignores `status` for kinds
 *   with a status subresource, the status subresource changes `status` only and needs the
 *   object to exist (404). `metadata.managedFields` records each manager's fields. A change
 *   takes a new resourceVersion and is sent to the watches (`MODIFIED`/`ADDED`); an apply that
 *   changes nothing keeps the resourceVersion and sends nothing, as the apiserver skips no-op
 *   writes. A `metadata.resourceVersion` in the body is a precondition (409 when stale). Other
 *   patch types are refused (415): this server implements only apply. Bodies are read as JSON
 *   (the YAML subset every client library sends).
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
import { describeField, recordUpdate, renderManagedFields, serverSideApply, type FieldManager } from './kube-apply.js';

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

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** Kinds without a status subresource (their `status`, if any, is written like any field). */
const NO_STATUS_SUBRESOURCE = new Set(['Secret', 'ConfigMap', 'Endpoints', 'EndpointSlice', 'IngressClass']);

export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** What `patches` records of each PATCH: enough to assert how a client wrote. */
export interface RecordedPatch {
  path: string;
  contentType: string;
  fieldManager: string | null;
  force: string | null;
  /** The HTTP status answered. */
  code: number;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Equal but for what the server sets (resourceVersion, managedFields, uid, creationTimestamp). */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ apiVersion: _a, kind: _k, metadata, ...rest }: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, uid: _uid, creationTimestamp: _ct, ...meta } = metadata;
    return canonical({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
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
  private readonly objects = new Map<string, { resource: KubeResourceType; object: KubeObject; managers: FieldManager[] }>();
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
  /** Every PATCH, in order. */
  readonly patches: RecordedPatch[] = [];

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

  /** One object, or undefined. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const resource = this.resources.find((candidate) => candidate.kind === kind);
    if (!resource) throw new Error(`unknown kind ${kind}`);
    const entry = this.objects.get(this.keyOf(resource, { metadata: { name, namespace } }));
    return entry ? structuredClone(entry.object) : undefined;
  }

  /**
   * Creates or replaces an object, as `kubectl create` / `replace` would (an Update by the
   * manager `kubectl`). For a kind with a status subresource, a body without `status` keeps the
   * object's status, as a write to the main resource does; a body with one sets it (tests set
   * a Pod's status this way, standing in for the kubelet's write to the subresource).
   */
  apply(input: KubeObject, manager = 'kubectl'): KubeObject {
    const resource = this.resourceOf(input);
    const key = this.keyOf(resource, input);
    const existing = this.objects.get(key);
    const body = structuredClone(input);
    delete body.metadata.managedFields;
    if (body.status === undefined && existing?.object.status !== undefined && !NO_STATUS_SUBRESOURCE.has(resource.kind)) body.status = structuredClone(existing.object.status);
    const managers = recordUpdate(existing?.object, existing?.managers ?? [], body, { manager, apiVersion: resource.apiVersion, now: now() });
    return this.store(resource, key, body, managers, existing);
  }

  /** Stores a new state of an object at a new resourceVersion and tells the watches. */
  private store(
    resource: KubeResourceType,
    key: string,
    input: KubeObject,
    managers: FieldManager[],
    existing: { object: KubeObject } | undefined,
  ): KubeObject {
    const rv = ++this.revision;
    const metadata: KubeObject['metadata'] = { ...input.metadata, resourceVersion: String(rv) };
    if (resource.namespaced) metadata.namespace ??= 'default';
    else delete metadata.namespace;
    metadata.uid = (existing?.object.metadata.uid as string | undefined) ?? `uid-${rv}`;
    metadata.creationTimestamp = (existing?.object.metadata.creationTimestamp as string | undefined) ?? now();
    metadata.managedFields = renderManagedFields(managers);
    const object: KubeObject = { ...structuredClone(input), apiVersion: resource.apiVersion, kind: resource.kind, metadata };
    this.objects.set(key, { resource, object, managers });
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
    const match = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(url.pathname);
    const apiVersion = match ? (match[1] ?? match[2]) : undefined;
    const resource = match ? this.resources.find((candidate) => candidate.apiVersion === apiVersion && candidate.plural === match[4]) : undefined;
    const subresource = match?.[6];
    const known = subresource === undefined || (subresource === 'status' && resource !== undefined && !NO_STATUS_SUBRESOURCE.has(resource.kind));
    const misplaced = match !== null && resource !== undefined && ((match[3] !== undefined && !resource.namespaced) || (match[5] !== undefined && resource.namespaced && match[3] === undefined));
    if (!match || !resource || !known || misplaced) {
      reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const namespace = match[3];
    const name = match[5];
    if (name !== undefined) {
      if (request.method === 'GET' && subresource === undefined) {
        const entry = this.objects.get(this.keyOf(resource, { metadata: { name, namespace } }));
        if (entry) reply(200, entry.object);
        else reply(404, status(404, 'NotFound', `${resource.plural} "${name}" not found`, { name, kind: resource.plural }));
        return;
      }
      if (request.method === 'PATCH') {
        this.patch(request, url, resource, namespace, name, subresource ?? '', reply);
        return;
      }
      reply(405, status(405, 'MethodNotAllowed', `the test apiserver does not implement ${request.method} on an object`));
      return;
    }
    if (request.method !== 'GET') {
      reply(405, status(405, 'MethodNotAllowed', `the test apiserver does not implement ${request.method} on a collection`));
      return;
    }
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

  /** Server-side apply on an object or its status subresource (see the module comment). */
  private patch(
    request: http.IncomingMessage,
    url: URL,
    resource: KubeResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string,
    reply: (code: number, body: unknown) => void,
  ): void {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim();
    const fieldManager = url.searchParams.get('fieldManager');
    const force = url.searchParams.get('force');
    const answer = (code: number, body: unknown) => {
      this.patches.push({ path: url.pathname, contentType, fieldManager, force, code });
      reply(code, body);
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (contentType !== APPLY_PATCH_CONTENT_TYPE) {
        answer(415, status(415, 'UnsupportedMediaType', `the test apiserver implements only server-side apply (${APPLY_PATCH_CONTENT_TYPE}), not ${contentType || 'no content type'}`));
        return;
      }
      if (!fieldManager) {
        answer(400, status(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'));
        return;
      }
      if (force !== null && force !== 'true' && force !== 'false') {
        answer(400, status(400, 'BadRequest', `force: Invalid value: "${force}"`));
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        answer(400, status(400, 'BadRequest', 'the test apiserver reads apply bodies as JSON (a subset of YAML)'));
        return;
      }
      const config = body as KubeObject;
      if (typeof body !== 'object' || body === null || typeof config.metadata !== 'object' || config.metadata === null) {
        answer(400, status(400, 'BadRequest', 'the body is not an object with metadata'));
        return;
      }
      if (config.apiVersion !== resource.apiVersion || config.kind !== resource.kind) {
        answer(400, status(400, 'BadRequest', `the body's ${config.apiVersion}/${config.kind} does not match ${resource.apiVersion}/${resource.kind} of the URL`));
        return;
      }
      if (config.metadata.name !== name || (resource.namespaced && (config.metadata.namespace ?? namespace) !== namespace)) {
        answer(400, status(400, 'BadRequest', 'the name (or namespace) of the object does not match the name on the URL'));
        return;
      }
      const key = this.keyOf(resource, { metadata: { name, namespace } });
      const existing = this.objects.get(key);
      if (subresource === 'status' && !existing) {
        answer(404, status(404, 'NotFound', `${resource.plural} "${name}" not found`, { name, kind: resource.plural }));
        return;
      }
      if (existing && config.metadata.resourceVersion !== undefined && config.metadata.resourceVersion !== existing.object.metadata.resourceVersion) {
        answer(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
        return;
      }
      // What this endpoint may change: the status subresource only status, the main resource
      // everything but status when the kind has a status subresource.
      const statusSubresource = !NO_STATUS_SUBRESOURCE.has(resource.kind);
      const { metadata: _metadata, status: appliedStatus, ...rest } = config;
      const { managedFields: _managed, resourceVersion: _rv, name: _name, namespace: _namespace, ...appliedMetadata } = config.metadata;
      const reduced: Record<string, unknown> =
        subresource === 'status'
          ? appliedStatus === undefined ? {} : { status: appliedStatus }
          : { ...rest, ...(Object.keys(appliedMetadata).length > 0 ? { metadata: appliedMetadata } : {}), ...(statusSubresource || appliedStatus === undefined ? {} : { status: appliedStatus }) };
      const live = existing ? (({ apiVersion: _a, kind: _k, ...object }) => object)(existing.object) : undefined;
      const outcome = serverSideApply(live, existing?.managers ?? [], reduced, { manager: fieldManager, subresource, apiVersion: resource.apiVersion, force: force === 'true', now: now() });
      if (!outcome.ok) {
        const causes = outcome.conflicts.map((conflict) => ({ type: 'FieldManagerConflict', message: `conflict with "${conflict.manager}"`, field: describeField(conflict.field) }));
        const list = outcome.conflicts.map((conflict) => `conflict with "${conflict.manager}": ${describeField(conflict.field)}`).join('\n- ');
        answer(409, status(409, 'Conflict', `Apply failed with ${outcome.conflicts.length} conflict${outcome.conflicts.length === 1 ? '' : 's'}: ${list}`, { name, kind: resource.plural, causes }));
        return;
      }
      const next = { ...outcome.object, metadata: { ...(outcome.object.metadata as KubeObject['metadata']), name, ...(namespace ? { namespace } : {}) } } as KubeObject;
      if (existing && sameContent(existing.object, next)) {
        // A no-op apply is not written: same resourceVersion, no watch event.
        answer(200, existing.object);
        return;
      }
      answer(existing ? 200 : 201, this.store(resource, key, next, outcome.managers, existing));
    });
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

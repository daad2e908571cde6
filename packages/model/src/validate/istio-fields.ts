/**
 * Every field of Istio's Gateway and VirtualService, and what meshgate does with it, so that
 * nothing is dropped in silence (issue 9, item 6):
 *
 * - `read`: the kind's reader takes it and the compiler uses it;
 * - `stored`: the reader keeps it but the compiler does not apply it yet — accepted with a warning;
 * - `ignored`: an Istio field meshgate does not implement — accepted with a warning, and its
 *   value is kept verbatim at its place in the stored object, so that changing it is a change
 *   (`configured`, an event, history) and `get -o yaml` shows it;
 * - `elsewhere`: read by code with its own rules (VirtualService `tls`/`tcp`, a server's `tls`);
 *   not reviewed here.
 *
 * A key that is no Istio field is refused with its path (and the field it most likely meant):
 * a misspelt `rewite` must not vanish.
 */
import type { FieldError } from '../types.js';
import { fieldPath, indexPath, isPlainObject, type ErrorSink, type PlainObject } from './reader.js';

type Status = 'read' | 'stored' | 'ignored' | 'elsewhere';

/** A field's status and why (the warning's text), and for objects (or lists of them) the fields inside. */
interface FieldSpec {
  status: Status;
  why?: string;
  fields?: Schema;
  /** A map whose values are objects of `fields` (headers: {name: StringMatch}). */
  mapOf?: Schema;
  /** For `stored` fields: values that mean what meshgate does anyway, so no warning is due. */
  harmless?: (value: unknown) => boolean;
}

type Schema = Readonly<Record<string, FieldSpec>>;

const read = (fields?: Schema): FieldSpec => ({ status: 'read', fields });
const readMap = (mapOf: Schema): FieldSpec => ({ status: 'read', mapOf });
const stored = (why: string, fields?: Schema, harmless?: (value: unknown) => boolean): FieldSpec => ({ status: 'stored', why, fields, harmless });
const ignored = (why = 'not implemented by meshgate'): FieldSpec => ({ status: 'ignored', why });
const elsewhere: FieldSpec = { status: 'elsewhere' };

const STRING_MATCH: Schema = { exact: read(), prefix: read(), regex: read() };
const PERCENT: Schema = { value: read() };
const HEADER_OPERATIONS: Schema = { set: read(), add: read(), remove: read() };

const HTTP_MATCH: Schema = {
  name: read(),
  uri: read(STRING_MATCH),
  scheme: read(STRING_MATCH),
  method: read(STRING_MATCH),
  authority: read(STRING_MATCH),
  headers: readMap(STRING_MATCH),
  queryParams: readMap(STRING_MATCH),
  withoutHeaders: readMap(STRING_MATCH),
  ignoreUriCase: read(),
  port: read(),
  sourceLabels: read(),
  gateways: read(),
  sourceNamespace: ignored('not implemented by meshgate; the match applies to every source namespace'),
  statPrefix: ignored('not implemented by meshgate; no per-route statistics'),
};

const HTTP_ROUTE: Schema = {
  name: read(),
  match: read(HTTP_MATCH),
  route: read({
    destination: read({ host: read(), subset: read(), port: read({ number: read() }) }),
    weight: read(),
    headers: ignored('per-destination header manipulation is not implemented by meshgate'),
  }),
  redirect: read({
    uri: read(),
    authority: read(),
    port: read(),
    scheme: read(),
    redirectCode: read(),
    derivePort: ignored('not implemented by meshgate; the redirect keeps the port unless `port` is given'),
  }),
  directResponse: read({ status: read(), body: read({ string: read(), bytes: read() }) }),
  delegate: ignored('delegation is not implemented by meshgate; the route matches but has no destination of its own'),
  rewrite: read({ uri: read(), authority: read(), uriRegexRewrite: ignored('regex rewrites are not implemented by meshgate') }),
  timeout: read(),
  retries: read({ attempts: read(), perTryTimeout: read(), retryOn: read(), retryRemoteLocalities: ignored() }),
  fault: stored('fault injection is not compiled yet: requests are not delayed or aborted', {
    delay: read({ fixedDelay: read(), percentage: read(PERCENT), percent: read(), exponentialDelay: ignored() }),
    abort: read({ httpStatus: read(), percentage: read(PERCENT), percent: read(), grpcStatus: ignored(), http2Error: ignored() }),
  }),
  mirror: ignored('traffic mirroring is not implemented by meshgate; nothing is mirrored'),
  mirrors: ignored('traffic mirroring is not implemented by meshgate; nothing is mirrored'),
  mirrorPercentage: ignored('traffic mirroring is not implemented by meshgate'),
  mirrorPercent: ignored('traffic mirroring is not implemented by meshgate'),
  mirror_percent: ignored('traffic mirroring is not implemented by meshgate'),
  corsPolicy: ignored('CORS is not implemented by meshgate; no CORS headers are added or enforced'),
  headers: stored('header manipulation is not compiled yet: no header is set, added or removed', { request: read(HEADER_OPERATIONS), response: read(HEADER_OPERATIONS) }),
};

const VIRTUAL_SERVICE_SPEC: Schema = {
  hosts: read(),
  gateways: read(),
  http: read(HTTP_ROUTE),
  tls: elsewhere,
  tcp: elsewhere,
  exportTo: stored('exportTo is not enforced yet: the VirtualService applies wherever its gateways and hosts say', undefined, (value) => Array.isArray(value) && value.every((entry) => entry === '*')),
};

const GATEWAY_SPEC: Schema = {
  selector: read(),
  servers: read({
    port: read({ number: read(), protocol: read(), name: read(), targetPort: stored('targetPort is not used: the gateway listens on port.number') }),
    bind: stored('bind is not supported yet: the gateway listens on 0.0.0.0', undefined, (value) => value === '0.0.0.0'),
    hosts: read(),
    tls: elsewhere,
    name: read(),
    defaultEndpoint: ignored('not implemented by meshgate (it applies to sidecar ingress)'),
  }),
};

const SPECS: Readonly<Record<string, Schema>> = { VirtualService: VIRTUAL_SERVICE_SPEC, Gateway: GATEWAY_SPEC };

/**
 * Reviews `spec` of a Gateway or VirtualService document against Istio's fields: refuses unknown
 * keys into `sink`, adds a warning per `stored` or `ignored` field, and copies each `ignored`
 * value into the normalised object at the same place. Other kinds are left alone.
 */
export function reviewIstioFields(kind: string, document: PlainObject, normalised: PlainObject, sink: ErrorSink, warnings: FieldError[]): void {
  const schema = SPECS[kind];
  if (!schema || !isPlainObject(document.spec) || !isPlainObject(normalised.spec)) return;
  reviewObject(schema, document.spec, normalised.spec, 'spec', sink, warnings);
}

function reviewObject(schema: Schema, raw: PlainObject, target: PlainObject | undefined, path: string, sink: ErrorSink, warnings: FieldError[]): void {
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    const here = fieldPath(path, key);
    const spec = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!spec) {
      sink.add(here, `unknown field${closestHint(schema, key)}`);
      continue;
    }
    if (spec.status === 'elsewhere') continue;
    if (spec.status !== 'read' && !spec.harmless?.(value)) warnings.push({ path: here, message: `${spec.why ?? 'not implemented by meshgate'}${spec.status === 'ignored' ? ' (kept as given, not applied)' : ''}` });
    if (spec.status === 'ignored') {
      if (target) target[key] = structuredClone(value);
      continue;
    }
    const child = target?.[key];
    if (spec.fields) reviewNested(spec.fields, value, child, here, sink, warnings);
    if (spec.mapOf && isPlainObject(value)) {
      for (const [name, entry] of Object.entries(value)) {
        if (isPlainObject(entry)) reviewObject(spec.mapOf, entry, undefined, fieldPath(here, name), sink, warnings);
      }
    }
  }
}

/** An object, or a list of objects matched to the normalised list by position. */
function reviewNested(schema: Schema, value: unknown, target: unknown, path: string, sink: ErrorSink, warnings: FieldError[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const targetItem = Array.isArray(target) && isPlainObject(target[i]) ? target[i] : undefined;
      if (isPlainObject(item)) reviewObject(schema, item, targetItem, indexPath(path, i), sink, warnings);
    });
  } else if (isPlainObject(value)) {
    reviewObject(schema, value, isPlainObject(target) ? target : undefined, path, sink, warnings);
  }
}

/** ` (did you mean rewrite?)` for a key one or two edits from a field, or a case slip. */
function closestHint(schema: Schema, key: string): string {
  const lower = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(schema)) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? ` (did you mean ${best.name}?)` : ` (the fields here: ${Object.keys(schema).join(', ')})`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

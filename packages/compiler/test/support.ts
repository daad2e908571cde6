/**
 * Test support: golden cases on disk, folded into a MeshState through the model's own parse,
 * validate and evolve — the same path the xds service takes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestOf, evolve, initialState, parseDocuments, validateDocument, type MeshObject, type MeshState, type SecretObject } from '@meshgate/model';
import type { TestContext } from 'node:test';
import type { CompileOptions, ProxyNode } from '../src/index.js';
import { setMergePatching } from '../src/clusters.js';
import { setUnitGroupSize } from '../src/units.js';

export const OPTIONS: CompileOptions = { clusterDomain: 'cluster.local', trustDomain: 'cluster.local' };

/**
 * For the rest of test `t`, the incremental machinery engages on the few objects of a test: unit
 * groups of two (they span several groups, which re-form as objects come and go) and cluster
 * request lists merged by patching from the first request on, whatever share changed.
 */
export function incrementalAtSmallScale(t: TestContext): void {
  const groupSize = setUnitGroupSize(2);
  const patching = setMergePatching({ minimumRequests: 0, maximumChangedShare: 1 });
  t.after(() => {
    setUnitGroupSize(groupSize);
    setMergePatching(patching);
  });
}

/** `test/golden` in the source tree (tests run from `dist/test`). */
export const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/golden');

export function goldenCases(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Parses and validates multi-document YAML; any invalid document fails the test with its errors. */
export function objectsFromYaml(text: string, where: string): MeshObject[] {
  const parsed = parseDocuments(text);
  if (!parsed.ok) throw new Error(`${where}: YAML error at ${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`);
  try {
    return objectsFrom(parsed.documents);
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A Secret as the state holds it (key names and digests, `problems`): apply of Secrets is not
 * this package's, so tests and golden inputs give them in this stored shape, taken as they are.
 */
function isStoredSecret(document: unknown): document is SecretObject {
  if (typeof document !== 'object' || document === null) return false;
  const record = document as Record<string, unknown>;
  return record.kind === 'Secret' && Array.isArray(record.problems) && typeof record.data === 'object';
}

/** A stored Secret with these keys (digests made up: the compiler reads key names and problems only). */
export function secret(namespace: string, name: string, keys: readonly string[], options: { type?: string; problems?: string[] } = {}): SecretObject {
  const data = Object.fromEntries([...keys].sort().map((key) => [key, { sha256: '0'.repeat(64), bytes: 1 }]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: {}, annotations: {} }, type: options.type ?? 'kubernetes.io/tls', data, problems: options.problems ?? [] };
}

/** Validates plain documents (as a test writes them inline) into objects; stored-shape Secrets pass as they are. */
export function objectsFrom(documents: readonly unknown[]): MeshObject[] {
  return documents.map((document, i) => {
    if (isStoredSecret(document)) return document;
    const result = validateDocument(document, { clusterDomain: OPTIONS.clusterDomain });
    if (!result.valid) throw new Error(`document ${i} is invalid: ${JSON.stringify(result.errors)}`);
    return result.value;
  });
}

export function stateOf(objects: readonly MeshObject[]): MeshState {
  let state = initialState();
  objects.forEach((object, i) => {
    state = evolve(state, i + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } });
  });
  return state;
}

const ROLES = ['sidecar', 'ingress-gateway', 'egress-gateway'] as const;
const CLIENTS = ['envoy', 'grpc'] as const;

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}

/** Reads a node.json, checking its shape rather than trusting it. */
export function parseNode(text: string, where: string): ProxyNode {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: not an object`);
  const get = (key: string): unknown => (raw as Record<string, unknown>)[key];
  const id = get('id');
  const role = ROLES.find((r) => r === get('role'));
  const client = CLIENTS.find((c) => c === get('client'));
  const namespace = get('namespace');
  const serviceAccount = get('serviceAccount');
  const labels = get('labels');
  const ips = get('ips') ?? [];
  const ipsOk = Array.isArray(ips) && ips.every((ip) => typeof ip === 'string');
  if (typeof id !== 'string' || !role || !client || typeof namespace !== 'string' || typeof serviceAccount !== 'string' || !isStringRecord(labels) || !ipsOk) {
    throw new Error(`${where}: expected {id, role, namespace, serviceAccount, labels, client, ips?: string[]}`);
  }
  const providers = get('certificateProviders');
  if (providers !== undefined && !(Array.isArray(providers) && providers.every((name) => typeof name === 'string'))) throw new Error(`${where}: certificateProviders must be a list of strings`);
  return { id, role, namespace, serviceAccount, labels, client, ips: ips.map(String), ...(providers !== undefined ? { certificateProviders: providers.map(String) } : {}) };
}

export interface GoldenCase {
  name: string;
  dir: string;
  objects: MeshObject[];
  node: ProxyNode;
  /**
   * The result depends on the order the objects were applied in, on purpose (IngressBackend
   * conflicts go to the one created first); `order-sensitive.txt` in the case says why.
   */
  orderSensitive: boolean;
}

export function loadCase(name: string): GoldenCase {
  const dir = path.join(GOLDEN_DIR, name);
  return {
    name,
    dir,
    objects: objectsFromYaml(readFileSync(path.join(dir, 'input.yaml'), 'utf8'), `${name}/input.yaml`),
    node: parseNode(readFileSync(path.join(dir, 'node.json'), 'utf8'), `${name}/node.json`),
    orderSensitive: existsSync(path.join(dir, 'order-sensitive.txt')),
  };
}

// ---------------------------------------------------------------- builders for inline documents

export const INGRESS_NODE: ProxyNode = {
  id: 'ingress-1',
  role: 'ingress-gateway',
  namespace: 'istio-system',
  serviceAccount: 'istio-ingressgateway',
  labels: { istio: 'ingressgateway' },
  client: 'envoy',
  ips: [],
};

export const GRPC_NODE: ProxyNode = {
  id: 'client-1',
  role: 'sidecar',
  namespace: 'demo',
  serviceAccount: 'client',
  labels: { app: 'client' },
  client: 'grpc',
  ips: [],
};

export function service(namespace: string, name: string, ports: { name?: string; port: number }[]): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports } };
}

export function gateway(namespace: string, name: string, servers: unknown[], selector: Record<string, string> = { istio: 'ingressgateway' }): unknown {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway', metadata: { name, namespace }, spec: { selector, servers } };
}

export function httpServer(port: number, hosts: string[], extra: Record<string, unknown> = {}): unknown {
  return { port: { number: port, name: `http-${port}`, protocol: 'HTTP' }, hosts, ...extra };
}

export function virtualService(namespace: string, name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name, namespace }, spec };
}

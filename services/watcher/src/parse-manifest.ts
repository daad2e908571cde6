/**
 * One manifest file → the objects it declares, each with its identity and a content digest.
 *
 * The watcher checks only what it needs to route a change (kind, namespace, name); whether the
 * object is valid is the api's call, since the api is the only writer of the log. Documents are
 * split by the model's `parseDocuments`, the same parser `POST /v1/apply` uses, so a file means
 * the same thing whichever way it reaches meshgate.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, isClusterScoped, isKind, parseDocuments } from '@meshgate/model';
import { isMap, isNode, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

export interface ObjectIdentity {
  kind: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

export interface ObservedObject extends ObjectIdentity {
  /** `Kind/namespace/name`: the same form as the model's `objectKey`. */
  key: string;
  /** SHA-256 of the document's canonical JSON: comments, formatting and key order do not count. */
  digest: string;
  /** The document as written, published as-is for the api to validate. */
  document: Record<string, unknown>;
}

export interface ManifestProblem {
  /** Path relative to the manifests directory. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  column?: number;
  /** 0-based index of the document within the file, when the problem is about one document. */
  document?: number;
  message: string;
}

export type ManifestReadResult = { ok: true; objects: ObservedObject[] } | { ok: false; problems: ManifestProblem[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function keyOf(identity: ObjectIdentity): string {
  return `${identity.kind}/${identity.namespace}/${identity.name}`;
}

/** The identity of a document, or why it has none. */
export function identify(
  document: unknown,
): { ok: true; identity: ObjectIdentity; document: Record<string, unknown> } | { ok: false; message: string } {
  if (!isRecord(document)) return { ok: false, message: 'document is not a mapping' };
  const { kind, metadata } = document;
  if (typeof kind !== 'string' || kind === '') return { ok: false, message: 'kind: required' };
  if (!isRecord(metadata)) return { ok: false, message: 'metadata.name: required' };
  const { name, namespace } = metadata;
  if (typeof name !== 'string' || name === '') return { ok: false, message: 'metadata.name: required' };
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    return { ok: false, message: 'metadata.namespace: must be a string' };
  }
  // Kubernetes ignores a namespace on a cluster-scoped object, and defaults the others to "default".
  const resolvedNamespace = isKind(kind) && isClusterScoped(kind) ? '' : namespace || 'default';
  return { ok: true, identity: { kind, namespace: resolvedNamespace, name }, document };
}

function lineOf(lineCounter: LineCounter, node: Node | null | undefined): number | undefined {
  return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
}

/**
 * The line each object starts on, in the order `parseDocuments` returns them, for warnings only.
 * It mirrors the expansion of arrays and `…List` documents; if the two parsers ever disagree on
 * the count, warnings simply go without line numbers.
 */
function objectStartLines(text: string, expectedCount: number): (number | undefined)[] {
  const lineCounter = new LineCounter();
  const lines: (number | undefined)[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const contents = doc.contents;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const isList = isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
    const items = isSeq(contents) ? contents : isMap(contents) && isList ? contents.get('items', true) : undefined;
    if (isSeq(items)) {
      for (const item of items.items) lines.push(lineOf(lineCounter, isNode(item) ? item : undefined));
    } else {
      lines.push(lineOf(lineCounter, contents));
    }
  }
  return lines.length === expectedCount ? lines : new Array<undefined>(expectedCount).fill(undefined);
}

function digestOfDocument(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

/**
 * Reads one file's text. Any problem (a syntax error, a document without kind or name, the same
 * object twice) rejects the whole file: half a file is never published.
 */
export function readManifest(file: string, text: string): ManifestReadResult {
  const parsed = parseDocuments(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    return { ok: false, problems: [{ file, line, column, message }] };
  }
  const documents = parsed.documents.filter((document) => document !== null && document !== undefined);
  let lines: (number | undefined)[] | undefined;
  const lineAt = (index: number) => (lines ??= objectStartLines(text, documents.length))[index];
  const problems: ManifestProblem[] = [];
  const objects: ObservedObject[] = [];
  const seen = new Set<string>();
  documents.forEach((document, index) => {
    const identified = identify(document);
    if (!identified.ok) {
      problems.push({ file, line: lineAt(index), document: index, message: identified.message });
      return;
    }
    const key = keyOf(identified.identity);
    if (seen.has(key)) {
      problems.push({ file, line: lineAt(index), document: index, message: `${key} is declared more than once in this file` });
      return;
    }
    seen.add(key);
    objects.push({ ...identified.identity, key, digest: digestOfDocument(document), document: identified.document });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, objects };
}

/** `file:line: message (document N)` — the form editors and terminals link to. */
export function describeProblem(problem: ManifestProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  const which = problem.document === undefined ? '' : ` (document ${problem.document + 1})`;
  return `${where}: ${problem.message}${which}`;
}

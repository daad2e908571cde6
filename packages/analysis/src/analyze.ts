/**
 * Running the analyzers: over a state (the server's, or one folded from files), or over
 * documents read from files, which are validated first (a document that does not validate is
 * IST0106 with its field path; a field accepted but not applied is MG0001) and folded on top of
 * an optional base state, as `istioctl analyze -f` adds files to the cluster's configuration.
 */
import { cloneState, DEFAULT_CLUSTER_DOMAIN, digestOf, evolve, initialState, objectKey, validateDocument, type MeshState } from '@meshgate/model';
import { ANALYZERS } from './analyzers/index.js';
import { FIELD_NOT_APPLIED, SCHEMA_VALIDATION_ERROR } from './codes.js';
import { LEVELS, type AnalysisMessage, type Analyzer } from './types.js';

export interface AnalyzeOptions {
  clusterDomain?: string;
  analyzers?: readonly Analyzer[];
  /**
   * What is wrong with a Secret document's payload as a TLS credential (apply's `tlsProblems`),
   * so that files analyzed before apply get the IST0161 apply would give. Analysis itself reads no
   * payload: without it, a Secret from a file has no problems.
   */
  secretProblems?: (document: unknown) => string[];
}

/** Every message the analyzers find in `state`, errors first, then by object and code. */
export function analyzeState(state: MeshState, options: AnalyzeOptions = {}): AnalysisMessage[] {
  const context = { state, clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN };
  return sortMessages((options.analyzers ?? ANALYZERS).flatMap((analyzer) => analyzer.analyze(context)));
}

export interface SourceDocument {
  document: unknown;
  /** Where it came from, for the messages: `gateway.yaml` or `gateway.yaml (document 2)`. */
  origin: string;
}

/**
 * Validates the documents, folds the valid ones over `base` (an empty state by default) and
 * analyzes the result. Messages about objects read from the documents carry their origin.
 */
export function analyzeDocuments(documents: readonly SourceDocument[], options: AnalyzeOptions & { base?: MeshState } = {}): AnalysisMessage[] {
  const clusterDomain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const messages: AnalysisMessage[] = [];
  let state = options.base ? cloneState(options.base) : initialState();
  const origins = new Map<string, string>();
  for (const { document, origin } of documents) {
    const result = validateDocument(document, { clusterDomain });
    const identity = identityOf(document);
    if (!result.valid) {
      for (const error of result.errors) {
        messages.push({ ...SCHEMA_VALIDATION_ERROR, object: identity, path: error.path, origin, message: `Schema validation error: ${error.path ? `${error.path}: ` : ''}${error.message}` });
      }
      continue;
    }
    for (const warning of result.warnings ?? []) {
      messages.push({ ...FIELD_NOT_APPLIED, object: identity, path: warning.path, origin, message: `${warning.path}: ${warning.message}` });
    }
    const object = result.value.kind === 'Secret' && options.secretProblems ? { ...result.value, problems: options.secretProblems(document) } : result.value;
    origins.set(objectKey(object), origin);
    state = evolve(state, state.sequence + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'analyze' } });
  }
  for (const message of analyzeState(state, options)) {
    const origin = origins.get(objectKey({ kind: message.object.kind as never, namespace: message.object.namespace, name: message.object.name }));
    messages.push(origin === undefined ? message : { ...message, origin });
  }
  return sortMessages(messages);
}

/** Kind, namespace and name as the document gives them (it may not validate). */
function identityOf(document: unknown): AnalysisMessage['object'] {
  const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
  const metadata = typeof record.metadata === 'object' && record.metadata !== null ? (record.metadata as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const kind = text(record.kind) || '(no kind)';
  const clusterScoped = kind === 'Namespace' || kind === 'IngressClass';
  return { kind, namespace: clusterScoped ? '' : text(metadata.namespace) || 'default', name: text(metadata.name) || '(no name)' };
}

export function sortMessages(messages: AnalysisMessage[]): AnalysisMessage[] {
  const key = (m: AnalysisMessage) => [LEVELS.indexOf(m.level), m.object.kind, m.object.namespace, m.object.name, m.code, m.path ?? '', m.message] as const;
  return messages.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
}

/** As istioctl prints it: `Error [IST0101] (VirtualService default/httpbin gw.yaml) Referenced gateway not found: "default/gw"`. */
export function formatMessage(message: AnalysisMessage): string {
  const { kind, namespace, name } = message.object;
  const object = `${kind} ${namespace ? `${namespace}/` : ''}${name}${message.origin ? ` ${message.origin}` : ''}`;
  return `${message.level} [${message.code}] (${object}) ${message.message}`;
}

/** Whether any message is at `threshold` or more severe (Error > Warning > Info). */
export function reachesThreshold(messages: readonly AnalysisMessage[], threshold: AnalysisMessage['level']): boolean {
  const limit = LEVELS.indexOf(threshold);
  return messages.some((message) => LEVELS.indexOf(message.level) <= limit);
}

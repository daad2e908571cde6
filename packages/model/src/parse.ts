/**
 * Text → plain documents. Accepts multi-document YAML, a JSON object, a JSON array of objects,
 * and a `List` (`kind: List` or `…List` with `items`, as `kubectl get -o yaml` writes), in
 * either syntax. Empty documents (`---` with nothing after it, comments only, `null`) are skipped.
 *
 * JSON is tried first only as a fast path: JSON text is YAML, so whatever `JSON.parse` refuses
 * is parsed as YAML, which reports the line and column of the problem.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { DEFAULT_PARSE_LIMITS, type ExceededLimit, type ParseLimits } from './parse-limits.js';
import { checkYamlTree, measureExpanded } from './parse-walk.js';
import { isPlainObject } from './validate/reader.js';

export interface ParseError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  /** Set when the text went past one of the parse limits rather than being malformed. */
  limit?: ExceededLimit;
}

export type ParseResult = { ok: true; documents: unknown[] } | { ok: false; error: ParseError };

/** The default alias limit, kept under its old name. */
export const MAX_ALIAS_COUNT = DEFAULT_PARSE_LIMITS.maxAliases;

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/** A top-level array or List stands for its items; anything else is one document. */
function flatten(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) return value.items;
  return [value];
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    // Not strict JSON; the caller parses it as YAML, which reports where the problem is.
    return undefined;
  }
}

/** The yaml package appends " at line L, column C:" and a code excerpt; we report those as fields. */
function firstLineOf(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function errorAt(lineCounter: LineCounter, offset: number, message: string, limit?: ExceededLimit): ParseError {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col, message, ...(limit === undefined ? {} : { limit }) };
}

/** The yaml composer recurses; on very deep nesting it reports its own stack running out. */
const STACK_EXHAUSTED = 'Maximum call stack size exceeded';

function toPlain(document: Document.Parsed, lineCounter: LineCounter, limits: ParseLimits): { ok: true; value: unknown } | { ok: false; error: ParseError } {
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: limits.maxAliases }) };
  } catch (error) {
    // toJS throws only for resource-exhaustion (too many alias expansions) and alias cycles.
    const message = error instanceof Error ? error.message : String(error);
    const offset = document.contents?.range[0] ?? document.range[0];
    const limit = /resource exhaustion/.test(message) ? { name: 'maxAliases' as const, max: limits.maxAliases } : undefined;
    return { ok: false, error: errorAt(lineCounter, offset, message, limit) };
  }
}

/**
 * Parses `text` within `limits` (each defaults to DEFAULT_PARSE_LIMITS). A text that goes past a
 * limit is refused with `error.limit` naming it; the work done is bounded by the limits and
 * linear in the text.
 */
export function parseDocuments(text: string, limits: Partial<ParseLimits> = {}): ParseResult {
  const bounds: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const budget = { used: 0 };
  const json = looksLikeJson(text) ? parseJson(text) : undefined;
  if (json) {
    const problem = measureExpanded(json.value, bounds, budget);
    if (problem) return { ok: false, error: { line: 1, column: 1, message: problem.message, limit: problem.limit } };
    return { ok: true, documents: flatten(json.value) };
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are checked by checkYamlTree: the yaml package's own check is quadratic.
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  // parseAllDocuments returns an EmptyStream (an array) for input without documents.
  const documents: unknown[] = [];
  for (const document of parsed) {
    const [problem] = document.errors;
    if (problem) {
      const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      const message = firstLineOf(problem.message);
      const limit = message.startsWith(STACK_EXHAUSTED) ? { name: 'maxDepth' as const, max: bounds.maxDepth } : undefined;
      return { ok: false, error: { line: position.line, column: position.col, message: limit ? `nested too deeply to parse (${message})` : message, ...(limit ? { limit } : {}) } };
    }
    const treeProblem = checkYamlTree(document, bounds);
    if (treeProblem) return { ok: false, error: errorAt(lineCounter, treeProblem.offset, treeProblem.message, treeProblem.limit) };
    const plain = toPlain(document, lineCounter, bounds);
    if (!plain.ok) return plain;
    const sizeProblem = measureExpanded(plain.value, bounds, budget);
    if (sizeProblem) return { ok: false, error: errorAt(lineCounter, document.contents?.range[0] ?? document.range[0], sizeProblem.message, sizeProblem.limit) };
    // `---` followed by nothing (or only comments) is an empty document: null, skipped as kubectl skips it.
    if (plain.value === null) continue;
    // A loop, not push(...items): a List of 100k items would overflow the argument limit.
    for (const item of flatten(plain.value)) documents.push(item);
  }
  return { ok: true, documents };
}

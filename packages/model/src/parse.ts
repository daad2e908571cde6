/**
 * Text → plain documents. Accepts multi-document YAML, a JSON object, a JSON array of objects,
 * and a `List` (`kind: List` or `…List` with `items`, as `kubectl get -o yaml` writes), in
 * either syntax. Empty documents (`---` with nothing after it, comments only, `null`) are skipped.
 *
 * JSON is tried first only as a fast path: JSON text is YAML, so whatever `JSON.parse` refuses
 * is parsed as YAML, which reports the line and column of the problem.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { isPlainObject } from './validate/reader.js';

export interface ParseError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

export type ParseResult = { ok: true; documents: unknown[] } | { ok: false; error: ParseError };

/**
 * Aliases expanded per document before we call it an alias bomb ("billion laughs"): manifests
 * rarely use aliases at all, so the yaml package's default is generous.
 */
export const MAX_ALIAS_COUNT = 100;

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

function errorAt(lineCounter: LineCounter, offset: number, message: string): ParseError {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col, message };
}

function toPlain(document: Document.Parsed, lineCounter: LineCounter): { ok: true; value: unknown } | { ok: false; error: ParseError } {
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    // toJS throws only for resource-exhaustion (too many alias expansions) and alias cycles.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: errorAt(lineCounter, document.contents?.range[0] ?? document.range[0], message) };
  }
}

export function parseDocuments(text: string): ParseResult {
  const json = looksLikeJson(text) ? parseJson(text) : undefined;
  if (json) return { ok: true, documents: flatten(json.value) };
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true });
  // parseAllDocuments returns an EmptyStream (an array) for input without documents.
  const documents: unknown[] = [];
  for (const document of parsed) {
    const [problem] = document.errors;
    if (problem) {
      const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      return { ok: false, error: { line: position.line, column: position.col, message: firstLineOf(problem.message) } };
    }
    const plain = toPlain(document, lineCounter);
    if (!plain.ok) return plain;
    // `---` followed by nothing (or only comments) is an empty document: null, skipped as kubectl skips it.
    if (plain.value === null) continue;
    // A loop, not push(...items): a List of 100k items would overflow the argument limit.
    for (const item of flatten(plain.value)) documents.push(item);
  }
  return { ok: true, documents };
}

/**
 * An apply request as text (multi-document YAML or JSON), free of any transport: parsed under the
 * input limits (off the event loop when large), then handed to the ApplyService. `POST /v1/apply`
 * and the gRPC Resources.Apply both come here, so that they refuse the same input with the same
 * MG_ERR_* codes and field paths, and write the same events.
 */
import type { ApplyAction, ApplyPreview, ApplyService, ObjectResult } from './apply-service.js';
import type { DocumentParser } from './document-parser.js';
import { apiError } from './errors.js';
import { limitExceeded, type InputLimits } from './input-limits.js';

export interface ApplyDocumentsContext {
  applyService: ApplyService;
  parser: DocumentParser;
  limits: InputLimits;
}

export interface ApplyDocumentsRequest {
  text: string;
  /** Recorded in the events: who asked. */
  source: string;
  idempotencyKey?: string;
  dryRun: boolean;
}

export interface ApplyDocumentsResult {
  sequence: number;
  dryRun: boolean;
  results: ObjectResult<ApplyAction>[];
  /** A dry run's states before and after, for the object and xDS diffs it reports. */
  preview?: ApplyPreview;
  /** Accepted, but not applied as written: `Kind ns/name: field.path: why` (an Istio field meshgate does not implement). */
  warnings: string[];
}

/** The documents of a request body, parsed under the input limits; refused with the apply's MG_ERR_* codes. */
export async function parseRequestDocuments(context: Pick<ApplyDocumentsContext, 'parser' | 'limits'>, text: string): Promise<unknown[]> {
  if (text.trim() === '') throw apiError('MG_ERR_EMPTY_BODY', 'the body is empty; send one or more YAML or JSON documents');
  const { limits } = context;
  const parsed = await context.parser.parse(text, limits);
  if (!parsed.ok) {
    const { line, column, message, limit } = parsed.error;
    if (limit !== undefined) throw limitExceeded(limit, message, { line, column });
    throw apiError('MG_ERR_MALFORMED', `malformed input at line ${line}, column ${column}: ${message}`, { line, column });
  }
  if (parsed.documents.length === 0) throw apiError('MG_ERR_EMPTY_BODY', 'the body holds no documents');
  if (parsed.documents.length > limits.maxObjects) {
    throw limitExceeded({ name: 'maxObjects', max: limits.maxObjects }, `the body holds ${parsed.documents.length} objects`);
  }
  return parsed.documents;
}

export async function applyDocuments(context: ApplyDocumentsContext, request: ApplyDocumentsRequest): Promise<ApplyDocumentsResult> {
  const documents = await parseRequestDocuments(context, request.text);
  const outcome = await context.applyService.apply({ documents, source: request.source, idempotencyKey: request.idempotencyKey, dryRun: request.dryRun });
  if (!outcome.valid) {
    const documents = new Set(outcome.errors.map((error) => error.document)).size;
    const problems = outcome.errors.length;
    throw apiError('MG_ERR_INVALID', `${problems} problem${problems === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'}; nothing was written`, {
      errors: outcome.errors,
    });
  }
  return {
    sequence: outcome.sequence,
    dryRun: request.dryRun,
    results: outcome.results,
    warnings: outcome.warnings,
    ...(outcome.preview === undefined ? {} : { preview: outcome.preview }),
  };
}

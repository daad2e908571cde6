/**
 * Request bodies stay raw strings: `POST /v1/apply` parses multi-document YAML (and JSON, which
 * is YAML) itself so that a syntax error can name its line. Only these media types are accepted;
 * anything else is refused with 415 before a route runs.
 */
import type { FastifyInstance } from 'fastify';

export const DOCUMENT_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain', 'application/json'] as const;

export function registerDocumentParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...DOCUMENT_MEDIA_TYPES], { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
}

/**
 * `GET /v1/analyze`: `istioctl analyze` against the stored state — every analysis message
 * (Istio's codes: IST0101 ReferencedResourceNotFound, IST0132, IST0145, …) for the state the
 * follower holds, optionally only those about one namespace's objects. `POST /v1/analyze` with
 * documents (the body `POST /v1/apply` takes) analyzes them on top of the stored state, as
 * `istioctl analyze -f` adds files to the cluster's configuration; nothing is written.
 */
import { analyzeDocuments, analyzeState, type AnalysisMessage } from '@meshgate/analysis';
import { secretPayloadOf } from '@meshgate/model';
import { tlsProblems } from '@meshgate/secrets';
import type { FastifyInstance } from 'fastify';
import { parseRequestDocuments } from '../apply-documents.js';
import { DOCUMENT_MEDIA_TYPES } from '../body-parsers.js';
import { apiError } from '../errors.js';
import type { RouteContext } from '../options.js';
import { problemResponses } from '../schemas.js';

interface AnalyzeQuery {
  namespace?: string;
}

const messageSchema = {
  type: 'object',
  required: ['code', 'name', 'level', 'object', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable code: Istio\'s (IST0101) where Istio has one, MG… for meshgate\'s own.' },
    name: { type: 'string' },
    level: { type: 'string', enum: ['Error', 'Warning', 'Info'] },
    object: { type: 'object', properties: { kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } } },
    path: { type: 'string' },
    origin: { type: 'string', description: 'POST: the request document the object came from (`document 2`).' },
    message: { type: 'string' },
  },
};

const responseSchema = {
  type: 'object',
  required: ['sequence', 'messages'],
  properties: { sequence: { type: 'integer', description: 'The log position analyzed.' }, messages: { type: 'array', items: messageSchema } },
};

function inNamespace(messages: AnalysisMessage[], namespace: string | undefined): AnalysisMessage[] {
  return messages.filter((message) => namespace === undefined || message.object.namespace === namespace);
}

export function registerAnalyzeRoute(app: FastifyInstance, context: RouteContext): void {
  app.get<{ Querystring: AnalyzeQuery }>(
    '/v1/analyze',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Analyze the stored state as istioctl analyze would',
        querystring: { type: 'object', properties: { namespace: { type: 'string', description: 'Only messages about objects of this namespace.' } } },
        response: { 200: responseSchema, ...problemResponses(400) },
      },
    },
    (request) => {
      const state = context.follower.current;
      return { sequence: state.sequence, messages: inNamespace(analyzeState(state, { clusterDomain: context.compile.clusterDomain }), request.query.namespace) };
    },
  );

  app.post<{ Querystring: AnalyzeQuery }>(
    '/v1/analyze',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Analyze documents on top of the stored state (nothing is written)',
        consumes: [...DOCUMENT_MEDIA_TYPES],
        body: { type: 'string', description: 'Multi-document YAML, or JSON, as POST /v1/apply takes.' },
        querystring: { type: 'object', properties: { namespace: { type: 'string', description: 'Only messages about objects of this namespace.' } } },
        response: { 200: responseSchema, ...problemResponses(400, 413, 415, 422) },
      },
    },
    async (request) => {
      if (typeof request.body !== 'string') throw apiError('MG_ERR_EMPTY_BODY', 'the body is empty; send one or more YAML or JSON documents');
      const documents = await parseRequestDocuments(context, request.body);
      const state = context.follower.current;
      const messages = analyzeDocuments(
        documents.map((document, i) => ({ document, origin: `document ${i + 1}` })),
        { base: state, clusterDomain: context.compile.clusterDomain, secretProblems: (document) => tlsProblems(secretPayloadOf(document)) },
      );
      return { sequence: state.sequence, messages: inNamespace(messages, request.query.namespace) };
    },
  );
}

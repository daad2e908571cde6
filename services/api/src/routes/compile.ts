/**
 * `GET /v1/compile`: what the compiler makes of the current state for a proxy described in the
 * query — no proxy needs to be connected. It answers "what would an ingress gateway labelled
 * istio=ingressgateway get?" the way `istioctl proxy-config` answers it for a running one.
 */
import { isIP } from 'node:net';
import { compileProxy, type CompileOptions, type ProxyNode } from '@meshgate/compiler';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../errors.js';
import type { RouteContext } from '../options.js';
import { problemResponses } from '../schemas.js';

interface CompileQuery {
  role: ProxyNode['role'];
  client: ProxyNode['client'];
  namespace: string;
  serviceAccount: string;
  labels?: string;
  ips?: string;
  certificateProvider?: string[];
  at?: number;
}

/** `a=b,c=d` → { a: 'b', c: 'd' }; errors name the query parameter. */
export function parseLabelList(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return labels;
  for (const pair of text.split(',')) {
    const index = pair.indexOf('=');
    const key = index < 0 ? '' : pair.slice(0, index).trim();
    if (key === '') throw apiError('MG_ERR_BAD_REQUEST', `querystring.labels: expected key=value pairs separated by commas, got "${pair}"`);
    labels[key] = pair.slice(index + 1).trim();
  }
  return labels;
}

/** `10.0.0.1,fd00::1` → ['10.0.0.1', 'fd00::1'] (the node's INSTANCE_IPS); errors name the query parameter. */
export function parseIpList(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const ip = entry.trim();
    if (isIP(ip) === 0) throw apiError('MG_ERR_BAD_REQUEST', `querystring.ips: expected IP addresses separated by commas, got "${entry}"`);
    return ip;
  });
}

function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

export function registerCompileRoute(app: FastifyInstance, context: RouteContext, options: CompileOptions): void {
  app.get<{ Querystring: CompileQuery }>(
    '/v1/compile',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Compile the current state for a described proxy (no connection needed)',
        querystring: {
          type: 'object',
          properties: {
            role: { type: 'string', enum: ['sidecar', 'ingress-gateway', 'egress-gateway'], default: 'ingress-gateway' },
            client: { type: 'string', enum: ['envoy', 'grpc'], default: 'envoy' },
            namespace: { type: 'string', default: 'istio-system' },
            serviceAccount: { type: 'string', default: 'default' },
            labels: { type: 'string', description: 'the proxy labels, as key=value,key=value' },
            ips: { type: 'string', description: "the workload's addresses (node metadata INSTANCE_IPS), as ip,ip: a proxyless server gets a listener per address" },
            certificateProvider: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description: "grpc: a certificate provider instance the client's bootstrap defines (node metadata CERTIFICATE_PROVIDERS), repeated per instance; unstated: default only",
            },
            at: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'compile the state at this log position instead of the current one' },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 503) },
      },
    },
    async (request) => {
      const { role, client, namespace, serviceAccount } = request.query;
      const node: ProxyNode = {
        id: 'preview',
        role,
        client,
        namespace,
        serviceAccount,
        labels: parseLabelList(request.query.labels),
        ips: parseIpList(request.query.ips),
        ...(client === 'grpc' && request.query.certificateProvider !== undefined ? { certificateProviders: [...new Set(request.query.certificateProvider)].sort() } : {}),
      };
      const { at } = request.query;
      const state = at === undefined ? context.follower.current : await context.history.at(await context.history.checkPosition(at, 'at'));
      const result = compileProxy(state, node, options);
      const resources = Object.fromEntries(Object.entries(result.resources).map(([typeUrl, list]) => [shortType(typeUrl), list.map((r) => r.resource)]));
      return { sequence: state.sequence, node, resources, diagnostics: result.diagnostics };
    },
  );
}

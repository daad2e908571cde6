/** meshgate.v1.Proxies: List and Config through proxy-reads.ts, as `GET /v1/proxies[/:id/config]`. Both need `read`. */
import type * as grpc from '@grpc/grpc-js';
import { toStruct, unary, type ListProxiesResponseMessage, type ProxyConfigRequestMessage, type ProxyConfigResponseMessage } from '@meshgate/grpc-api';
import { isPlainRecord } from '../records.js';
import { listProxies, proxyConfig } from '../proxy-reads.js';
import type { GrpcContext } from './context.js';

/** A report that is not a JSON object is wrapped, so that nothing the xds service says is dropped. */
function asRecord(value: unknown): Record<string, unknown> {
  return isPlainRecord(value) ? value : { value };
}

export function proxiesService(context: GrpcContext): grpc.UntypedServiceImplementation {
  const { handlerOptions, admit } = context;
  return {
    List: unary(handlerOptions, async (call: grpc.ServerUnaryCall<object, ListProxiesResponseMessage>): Promise<ListProxiesResponseMessage> => {
      admit(call.metadata, 'read');
      return { items: (await listProxies(context.proxies)).map((item) => toStruct(asRecord(item))) };
    }),
    Config: unary(handlerOptions, async (call: grpc.ServerUnaryCall<ProxyConfigRequestMessage, ProxyConfigResponseMessage>): Promise<ProxyConfigResponseMessage> => {
      admit(call.metadata, 'read');
      return { config: toStruct(asRecord(await proxyConfig(context.proxies, call.request.id))) };
    }),
  };
}

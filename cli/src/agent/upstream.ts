/**
 * The agent's side of meshgate's mTLS xDS port: an ADS client that presents the workload's
 * certificate (read from the files at each connection, so a renewed certificate is used from the
 * next stream on) and accepts only a server certificate that chains to the trust bundle and
 * names `xdsServerName`.
 */
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { certificateFilePaths } from '@meshgate/xds';
import type { AgentConfig } from './config.js';

/** A DiscoveryRequest / DiscoveryResponse as @grpc/proto-loader decodes it (keepCase). */
export type XdsMessage = Record<string, unknown>;
export type AdsCall = grpc.ClientDuplexStream<XdsMessage, XdsMessage>;

interface AdsClient extends grpc.Client {
  StreamAggregatedResources(): AdsCall;
}

let adsClientConstructor: grpc.ServiceClientConstructor | undefined;

function adsConstructor(): grpc.ServiceClientConstructor {
  if (!adsClientConstructor) {
    const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
      envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
    };
    adsClientConstructor = definition.envoy.service.discovery.v3.AggregatedDiscoveryService;
  }
  return adsClientConstructor;
}

/** One upstream ADS stream on a client of its own; closing the stream closes the client. */
export async function openUpstreamStream(config: AgentConfig): Promise<{ call: AdsCall; close(): void }> {
  const files = certificateFilePaths(config.certificateDir);
  const [certificate, key, bundle] = await Promise.all([readFile(files.certificateFile), readFile(files.privateKeyFile), readFile(files.caCertificateFile)]);
  const Client = adsConstructor();
  const client = new Client(config.xdsAddress, grpc.credentials.createSsl(bundle, key, certificate), {
    'grpc.ssl_target_name_override': config.xdsServerName,
    'grpc.default_authority': config.xdsServerName,
  }) as unknown as AdsClient;
  const call = client.StreamAggregatedResources();
  // Every end is reported through 'status'; without a listener from the start, a stream cancelled
  // before its owner attached one (stop() racing a reconnect) would throw CANCELLED out of the process.
  call.on('error', () => undefined);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    call.cancel();
    client.close();
  };
  call.on('status', () => client.close());
  return { call, close };
}

/**
 * Asks an xds server for a sidecar's SDS `default` certificate, as Envoy would over ADS, and
 * returns it decoded: the proof that the xds process obtained a workload certificate from the CA.
 */
import * as grpc from '@grpc/grpc-js';
import { adsPackageDefinition, decodeResource } from '@meshgate/envoy-proto';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

export interface SdsIdentity {
  namespace: string;
  serviceAccount: string;
}

interface DiscoveryResponse {
  resources: { value: Buffer }[];
}

interface DecodedSecret {
  name?: string;
  tls_certificate?: { certificate_chain?: { inline_string?: string }; private_key?: { inline_string?: string } };
}

/** The `default` secret's certificate chain and key, or a rejection after `timeoutMs`. */
export function fetchSdsCertificate(address: string, nodeId: string, identity: SdsIdentity, timeoutMs = 20_000): Promise<{ certificateChain: string; privateKey: string }> {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const client = new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(address, grpc.credentials.createInsecure());
  const stream = client.StreamAggregatedResources() as grpc.ClientDuplexStream<Record<string, unknown>, DiscoveryResponse>;
  const done = () => {
    stream.cancel();
    client.close();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no SDS certificate from ${address} within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('data', (response: DiscoveryResponse) => {
      for (const resource of response.resources) {
        const secret = decodeResource(SECRET_TYPE, resource.value) as DecodedSecret;
        const certificateChain = secret.tls_certificate?.certificate_chain?.inline_string;
        const privateKey = secret.tls_certificate?.private_key?.inline_string;
        if (secret.name === 'default' && certificateChain && privateKey) {
          clearTimeout(timer);
          done();
          resolve({ certificateChain, privateKey });
        }
      }
    });
    stream.on('error', (error: grpc.ServiceError) => {
      if (error.code === grpc.status.CANCELLED) return;
      clearTimeout(timer);
      reject(error);
    });
    const fields = { CLIENT: { stringValue: 'envoy' }, ROLE: { stringValue: 'sidecar' }, NAMESPACE: { stringValue: identity.namespace }, SERVICE_ACCOUNT: { stringValue: identity.serviceAccount } };
    stream.write({ node: { id: nodeId, metadata: { fields } }, type_url: SECRET_TYPE, resource_names: ['default'] });
  });
}

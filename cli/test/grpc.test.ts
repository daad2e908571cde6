/**
 * The embedded run's gRPC API: one server on MESHGATE_GRPC_PORT with every service (Resources,
 * Events, Proxies, CertificateAuthority) and reflection, on the same tokens as REST. A proxy
 * connected over ADS shows in Proxies; the CA answers on the same port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connectCa, type CaClient } from '@meshgate/ca';
import { adsPackageDefinition } from '@meshgate/envoy-proto';
import { connectMeshgate, MeshgateGrpcError, type MeshgateClient } from '@meshgate/grpc-api';
import { reflectionServices } from '@meshgate/testkit';
import { startMeshgate, type RunningMeshgate } from '../src/embedded.js';

const TOKEN = 'cli-test-token-grpc-0123456789abcdef';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const NODE_ID = 'grpc-api-gateway';

type Message = Record<string, unknown>;

function adsStream(address: string): { call: grpc.ClientDuplexStream<Message, Message>; client: grpc.Client } {
  const definition = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  const client = new definition.envoy.service.discovery.v3.AggregatedDiscoveryService(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    StreamAggregatedResources(): grpc.ClientDuplexStream<Message, Message>;
  };
  const call = client.StreamAggregatedResources();
  call.on('error', () => undefined);
  return { call, client };
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the embedded gRPC API', { timeout: 90_000 }, () => {
  let running: RunningMeshgate;
  let client: MeshgateClient;
  let ca: CaClient;
  let address: string;

  before(async () => {
    running = await startMeshgate({ memory: true, apiToken: TOKEN, logLevel: 'silent', overrides: { apiPort: 0, grpcPort: 0, xdsPort: 0, xdsSecurePort: 0, apiHost: '127.0.0.1', xdsHost: '127.0.0.1' } });
    address = `127.0.0.1:${running.grpcPort}`;
    client = connectMeshgate(address, { token: TOKEN });
    ca = connectCa(address, { token: TOKEN });
  });
  after(async () => {
    client?.close();
    await ca?.close();
    await running?.stop();
  });

  it('lists every service through reflection, on MESHGATE_GRPC_PORT', async () => {
    assert.notEqual(running.grpcPort, 9090, 'the test asked for a free port');
    assert.deepEqual(await reflectionServices(address), ['meshgate.v1.CertificateAuthority', 'meshgate.v1.Events', 'meshgate.v1.Proxies', 'meshgate.v1.Resources']);
  });

  it('serves the CA on the same port, with the same tokens', async () => {
    const bundle = await ca.trustBundle();
    assert.match(bundle.pem, /BEGIN CERTIFICATE/);
    const anonymous = connectCa(address);
    try {
      await assert.rejects(anonymous.rotateRoot(), (error: Error & { code?: string }) => error.code === 'MG_ERR_UNAUTHENTICATED');
    } finally {
      await anonymous.close();
    }
  });

  it('applies, reads the events of the change and watches the log', async () => {
    const applied = await client.resources.apply({ documents: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: grpc-embedded\n' });
    assert.deepEqual(applied.results, [{ kind: 'Namespace', namespace: '', name: 'grpc-embedded', action: 'created' }]);
    const rest = await fetch(`${running.apiUrl}/v1/resources/namespaces/_/grpc-embedded`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(rest.status, 200, 'REST sees what gRPC wrote');

    const watch = client.events.watch({ after: applied.sequence - 1 });
    for await (const event of watch) {
      assert.equal(event.sequence, applied.sequence);
      assert.equal(event.type, 'ResourceApplied');
      break;
    }
  });

  it('lists a proxy connected over ADS and gives its configuration', async () => {
    const { call, client: ads } = adsStream(`127.0.0.1:${running.xdsPort}`);
    try {
      call.write({ node: { id: NODE_ID, metadata: { fields: { ROLE: { stringValue: 'ingress-gateway', kind: 'stringValue' }, NAMESPACE: { stringValue: 'default', kind: 'stringValue' } } } }, typeUrl: CDS });
      const listed = await eventually('the proxy to be listed', async () => {
        const proxies = await client.proxies.list();
        return proxies.find((proxy) => proxy.id === NODE_ID);
      });
      assert.equal((listed.node as { role?: string }).role, 'ingress-gateway');
      const config = await client.proxies.config(NODE_ID);
      assert.equal(typeof config, 'object');
      const missing = await client.proxies.config('nobody').then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(missing instanceof MeshgateGrpcError && missing.status === grpc.status.NOT_FOUND);
    } finally {
      call.cancel();
      ads.close();
    }
  });

  it('refuses an anonymous apply with UNAUTHENTICATED; nothing is written', async () => {
    const head = await running.infra.store.headSequence();
    const anonymous = connectMeshgate(address);
    try {
      const error = await anonymous.resources.apply({ documents: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: intruder\n' }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof MeshgateGrpcError);
      assert.equal(error.status, grpc.status.UNAUTHENTICATED);
      assert.equal(await running.infra.store.headSequence(), head);
    } finally {
      anonymous.close();
    }
  });
});

/**
 * Apply → ACK latency for one connected proxyless client: the time from `POST /v1/apply` of a
 * changed VirtualService until the real @grpc/grpc-js-xds client ACKs the new route version.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { startMeshgate } from '@meshgate/cli';
import { TYPE_URL } from '@meshgate/compiler';
import { apply, callUntil, METHODS, NAMESPACE, proxylessBootstrap, servicesYaml, startBackend, TARGET, useBootstrap, virtualServiceYaml } from '@meshgate/e2e';
import { progress, summarise, type Summary } from './measure.js';

export interface AckBenchResult {
  applyToAck: Summary;
}

export async function runAckBench(runs: number): Promise<AckBenchResult> {
  progress('apply-to-ACK: starting embedded meshgate, two backends and a grpc-js-xds client');
  const meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  const a = await startBackend('A', '127.0.0.2');
  const b = await startBackend('B', '127.0.0.3');
  useBootstrap(proxylessBootstrap(`127.0.0.1:${meshgate.xdsPort}`, { id: 'bench-client', namespace: NAMESPACE }));
  grpcXds.register();
  const client = new grpc.Client(TARGET, grpc.credentials.createInsecure());
  try {
    const first = await apply(meshgate.apiUrl, `${servicesYaml(a, b)}---\n${virtualServiceYaml('backend-a', 'backend-b')}`, meshgate.apiToken);
    if (first.status !== 200) throw new Error(`apply failed: ${JSON.stringify(first.body)}`);
    const warm = await callUntil(client, METHODS.hello, (r) => r.ok);
    if (!warm.ok) throw new Error(`the client never reached a backend: ${JSON.stringify(warm)}`);

    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const [hello, other] = run % 2 === 0 ? (['backend-b', 'backend-a'] as const) : (['backend-a', 'backend-b'] as const);
      const acked = new Promise<number>((resolve) => {
        const onAck = (proxyId: string, typeUrl: string) => {
          if (proxyId !== 'bench-client' || typeUrl !== TYPE_URL.route) return;
          meshgate.xds.ads.off('ack', onAck);
          resolve(Number(process.hrtime.bigint() - started) / 1e6);
        };
        meshgate.xds.ads.on('ack', onAck);
      });
      const started = process.hrtime.bigint();
      const response = await apply(meshgate.apiUrl, virtualServiceYaml(hello, other), meshgate.apiToken);
      if (response.status !== 200) throw new Error(`apply failed: ${JSON.stringify(response.body)}`);
      samples.push(await acked);
    }
    progress(`apply-to-ACK: ${runs} runs done`);
    return { applyToAck: summarise(samples) };
  } finally {
    client.close();
    await a.stop();
    await b.stop();
    await meshgate.stop();
  }
}

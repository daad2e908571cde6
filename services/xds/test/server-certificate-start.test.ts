/**
 * The processes of a deployment start in any order: an xds process whose CA is not listening
 * yet waits for it (with a warning) instead of failing, and gets its mTLS certificate once the
 * CA answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Credentials } from '@meshgate/auth';
import { openBus, type Bus } from '@meshgate/bus';
import { connectCa, startCaService, type RunningCaService } from '@meshgate/ca';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { loadCaSettings } from '@meshgate/runtime';
import { TEST_API_TOKEN } from '@meshgate/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { XdsServerCertificate } from '../src/server-credentials.js';

let dataDir: string;
let store: EventStore;
let bus: Bus;
let caService: RunningCaService | undefined;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'meshgate-xds-ca-late-'));
  store = await openEventStore({});
  bus = await openBus({});
});

after(async () => {
  await caService?.stop();
  await bus.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('the mTLS port waits for a CA that starts later, then gets its certificate', async () => {
  const grpcPort = await freePort();
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const client = connectCa(`127.0.0.1:${grpcPort}`, { token: TEST_API_TOKEN });
  const certificate = new XdsServerCertificate({ ca: client, logger });
  const started = certificate.start();

  // Only once the first attempt has been refused does the CA come up, on the address given.
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (warnings.some((line) => line.includes('the CA does not answer yet'))) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
    started.catch((error: unknown) => {
      clearInterval(poll);
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
  caService = await startCaService({
    config: {
      ca: loadCaSettings({ MESHGATE_CA_HTTP_PORT: '0', MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      grpcPort,
      trustDomain: 'cluster.local',
      dataDir,
    },
    store,
    bus,
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    allowGeneratedEncryptionKey: false,
    credentials: Credentials.adminToken(TEST_API_TOKEN),
  });

  const credentials = await started;
  assert.ok(credentials, 'the secure port has credentials');
  const issued = (await store.readAfter(0, 1000)).filter((event) => event.type === 'CertificateIssued');
  assert.ok(
    issued.some((event) => JSON.stringify(event.data).includes('spiffe://cluster.local/ns/meshgate-system/sa/meshgate-xds')),
    'the xds server certificate was issued once the CA answered',
  );
  await certificate.stop();
  await client.close();
});

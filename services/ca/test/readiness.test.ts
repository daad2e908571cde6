/** The ca's `/readyz` under faults: a lost NATS link (a private nats-server, killed) and a lagging MeshState follower. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openBus } from '@meshgate/bus';
import { eventually, startPrivateNatsServer, uniqueName } from '@meshgate/testkit';
import { ApiTokenVerifier } from '../src/api-token.js';
import { buildCaHttpApp } from '../src/http/app.js';
import { capturingLogger, openTestCa } from './helpers.js';

describe('ca /readyz under faults', { timeout: 90_000 }, () => {
  test('names the bus when the NATS link is lost, and the follower when it lags', async () => {
    const server = await startPrivateNatsServer();
    const scope = uniqueName('mgcaready');
    const bus = await openBus({ natsUrl: server.url, stream: uniqueName('MG_CA_READY'), subjectPrefix: `${scope}.changes`, doorbellSubject: `${scope}.events` });
    const testCa = await openTestCa({ backend: 'pglite' });
    const follower = { sequence: 0 };
    const app = await buildCaHttpApp({ ca: testCa.ca, store: testCa.store, logger: capturingLogger([]), registry: testCa.registry, access: { auth: new ApiTokenVerifier(undefined) }, bus, follower, maxFollowerLag: 1 });
    const probe = async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: response.statusCode, body: response.json<{ failed: string[]; bus?: string; follower?: string; head?: number }>() };
    };
    try {
      const head = (await probe()).body.head ?? 0;
      follower.sequence = head;
      assert.equal((await probe()).status, 200);

      await testCa.store.append([{ streamId: 'ready/1', type: 'Noted', data: {} }, { streamId: 'ready/2', type: 'Noted', data: {} }]);
      const lagging = await probe();
      assert.equal(lagging.status, 503);
      assert.deepEqual(lagging.body.failed, ['follower']);
      assert.match(lagging.body.follower ?? '', /^lagging: at \d+, the log is at \d+ \(2 behind, more than MESHGATE_READY_MAX_LAG=1\)$/);
      follower.sequence = head + 2;

      await server.kill();
      const lost = await eventually('the ca to report the lost link', async () => {
        const result = await probe();
        return result.status === 503 ? result.body : undefined;
      });
      assert.deepEqual(lost.failed, ['bus']);
      assert.match(lost.bus ?? '', /^disconnected from /);
    } finally {
      await app.close();
      await bus.close();
      await testCa.close();
      await server.dispose();
    }
  });
});

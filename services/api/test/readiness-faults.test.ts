/**
 * `/readyz` under faults: a NATS link lost (a private nats-server, killed and restarted) and a
 * follower that falls behind the log by more than the configured limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBus } from '@meshgate/bus';
import { eventually, startPrivateNatsServer, uniqueName } from '@meshgate/testkit';
import { startHarness } from './harness.js';

interface ReadyBody {
  ready: boolean;
  failed: string[];
  bus?: string;
  follower?: string;
}

describe('/readyz under faults', { timeout: 90_000 }, () => {
  it('reports a lost NATS link as the failed check, and recovers when the server is back', async () => {
    const server = await startPrivateNatsServer();
    const scope = uniqueName('mgready');
    const bus = await openBus({ natsUrl: server.url, stream: uniqueName('MG_READY'), subjectPrefix: `${scope}.changes`, doorbellSubject: `${scope}.events` });
    const h = await startHarness({ bus, consumeChanges: false });
    const probe = async () => {
      const response = await h.app.inject({ method: 'GET', url: '/readyz' });
      return { status: response.statusCode, body: response.json<ReadyBody>() };
    };
    try {
      assert.deepEqual((await probe()).status, 200);
      await server.kill();
      const lost = await eventually('/readyz to report the lost link', async () => {
        const result = await probe();
        return result.status === 503 ? result.body : undefined;
      });
      assert.deepEqual(lost.failed, ['bus']);
      assert.match(lost.bus ?? '', new RegExp(`^disconnected from 127\\.0\\.0\\.1:${server.port} since `));
      await server.restart();
      await eventually('/readyz to recover', async () => ((await probe()).status === 200 ? true : undefined), 20_000);
    } finally {
      await h.close();
      await bus.close();
      await server.dispose();
    }
  });

  it('reports a follower more than readyMaxLag events behind the log head, and recovers once it catches up', async () => {
    // The follower hears of new events only from the doorbell or its poll: appending straight
    // to the store, with the poll an hour away, leaves it behind for as long as the test wants.
    const h = await startHarness({ consumeChanges: false, readyMaxLag: 2, followerPollIntervalMs: 3_600_000 });
    try {
      const append = (n: number) => h.store.append([{ streamId: `lag/${n}`, type: 'Noted', data: { n } }]);
      await append(1);
      await append(2);
      const within = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(within.statusCode, 200, `2 behind is within the limit: ${within.body}`);
      await append(3);
      const behind = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(behind.statusCode, 503, behind.body);
      const body = behind.json<ReadyBody>();
      assert.deepEqual(body.failed, ['follower']);
      assert.equal(body.follower, 'lagging: at 0, the log is at 3 (3 behind, more than MESHGATE_READY_MAX_LAG=2)');
      await h.follower.catchUp();
      const caughtUp = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(caughtUp.statusCode, 200, caughtUp.body);
    } finally {
      await h.close();
    }
  });
});

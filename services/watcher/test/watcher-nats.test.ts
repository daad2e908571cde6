/** The watcher publishing to NATS JetStream (the distributed mode), on a stream of its own. */
import { openBus } from '@meshgate/bus';
import { natsUrl, uniqueName } from '@meshgate/testkit';
import { runWatcherScenario } from './scenario.js';

runWatcherScenario('NATS JetStream', async () => {
  const scope = uniqueName('mgtest_watcher');
  return openBus({
    natsUrl: await natsUrl(),
    name: 'meshgate-watcher-test',
    stream: uniqueName('MG_TEST_WATCHER'),
    subjectPrefix: `${scope}.changes`,
    doorbellSubject: `${scope}.events`,
  });
});

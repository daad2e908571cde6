/** The watcher publishing to the in-process bus (the embedded mode). */
import { InProcessBus } from '@meshgate/bus';
import { runWatcherScenario } from './scenario.js';

runWatcherScenario('the in-process bus', async () => new InProcessBus());

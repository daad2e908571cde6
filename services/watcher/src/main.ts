#!/usr/bin/env node
// The watcher service as its own process (distributed mode). Wiring only.
import { createLogger, loadConfig, openInfrastructure, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { createWatcher } from './app.js';

const config = loadConfig();
const logger = createLogger('watcher', config.logLevel);
if (!config.manifestsDir) {
  logger.error('MESHGATE_MANIFESTS_DIR is not set: the watcher needs a directory of manifests to watch');
  process.exit(2);
}
const infra = await startOrExit('meshgate-watcher', () => openInfrastructure(config, 'meshgate-watcher'));
const watcher = createWatcher({ bus: infra.bus, directory: config.manifestsDir, logger });
await watcher.start();
logger.info({ directory: config.manifestsDir, mode: infra.mode }, 'watcher started');

stopOnSignals(logger, async () => {
  await watcher.stop();
  await infra.close();
});

#!/usr/bin/env node
// The watcher service as its own process (distributed mode). Wiring only.
import { createLogger, loadConfig, openInfrastructure, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { createSources } from './app.js';
import type { Source } from './source.js';

const config = loadConfig();
const logger = createLogger('watcher', config.logLevel);
// The service, unlike `meshgate up`, takes kubectl's KUBECONFIG: in a deployment it is set on purpose.
const kubeconfig = config.kubeconfig ?? process.env.KUBECONFIG;
const kubernetes =
  config.kubernetesInCluster || kubeconfig ? { kubeconfig, inCluster: config.kubernetesInCluster, monitoredByLabel: config.monitoredByLabel } : undefined;
if (!config.manifestsDir && !kubernetes) {
  logger.error('nothing to watch: set MESHGATE_MANIFESTS_DIR (a directory of manifests), KUBECONFIG (a cluster) or MESHGATE_KUBERNETES_IN_CLUSTER=true');
  process.exit(2);
}
const infra = await startOrExit('meshgate-watcher', () => openInfrastructure(config, 'meshgate-watcher'));
let sources: Source[];
try {
  sources = createSources({ bus: infra.bus, log: infra.store, logger, meshName: config.meshName, directory: config.manifestsDir, kubernetes });
  for (const source of sources) await source.start();
} catch (error) {
  logger.error(error instanceof Error ? error.message : String(error));
  await infra.close();
  process.exit(2);
}
logger.info({ directory: config.manifestsDir, kubernetes: kubernetes ? (kubeconfig ?? 'in-cluster') : undefined, mode: infra.mode }, 'watcher started');

stopOnSignals(logger, async () => {
  for (const source of sources) await source.stop();
  await infra.close();
});

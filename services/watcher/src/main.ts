#!/usr/bin/env node
// The watcher service as its own process (distributed mode). Wiring only.
import { loadWriteBackClientToken } from '@meshgate/auth';
import { StateFollower } from '@meshgate/follower';
import { createLogger, loadConfig, openInfrastructure, startOrExit, stopOnSignals } from '@meshgate/runtime';
import { loadOptionalEncryptionKey, SecretCipher, SecretsError } from '@meshgate/secrets';
import { createKubernetesWriteBack, createSources } from './app.js';
import type { KubernetesWriteBack } from './write-back/write-back.js';
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
// The deployment key (the CA's) seals Secrets on the bus; never generated here. Without it the
// cluster's Secrets are not followed (the Kubernetes source warns).
let cipher: SecretCipher | undefined;
try {
  const key = loadOptionalEncryptionKey({ key: config.ca.encryptionKey, keyFile: config.ca.encryptionKeyFile, allowGenerated: false, dataDir: config.dataDir });
  cipher = key === undefined ? undefined : new SecretCipher(key.key);
  if (key) logger.info({ encryptionKey: key.source }, 'Secrets are sealed under the deployment key on the bus');
} catch (error) {
  if (!(error instanceof SecretsError)) throw error;
  logger.fatal({ code: error.code }, error.message);
  process.exit(1);
}
const writesBack = kubernetes !== undefined && config.kubernetesWriteBack;
const infra = await startOrExit('meshgate-watcher', () => openInfrastructure(config, 'meshgate-watcher'));
let sources: Source[];
let follower: StateFollower | undefined;
let writeBack: KubernetesWriteBack | undefined;
try {
  sources = createSources({ bus: infra.bus, log: infra.store, logger, meshName: config.meshName, directory: config.manifestsDir, kubernetes, cipher });
  for (const source of sources) await source.start();
  if (writesBack && kubernetes) {
    // Reads only: the write-back follows the log for what to write; it never writes snapshots.
    follower = new StateFollower({ store: infra.store, bus: infra.bus });
    follower.on('error', (error: unknown) => logger.error({ err: error }, 'reading the event log failed; will retry'));
    await follower.start();
    const caToken = loadWriteBackClientToken(process.env);
    // Without MESHGATE_CA_URL the write-back says so and writes statuses only.
    if (config.caUrl && caToken.token === undefined) logger.warn('no write-back token (MESHGATE_WRITE_BACK_TOKEN or MESHGATE_API_TOKEN): the CA will refuse its secrets');
    writeBack = createKubernetesWriteBack({
      ...kubernetes,
      state: follower,
      caUrl: config.caUrl,
      caToken: caToken.token,
      compile: { clusterDomain: config.clusterDomain, trustDomain: config.trustDomain, meshName: config.meshName },
      logger,
    });
    await writeBack.start();
  }
} catch (error) {
  logger.error(error instanceof Error ? error.message : String(error));
  await infra.close();
  process.exit(2);
}
logger.info({ directory: config.manifestsDir, kubernetes: kubernetes ? (kubeconfig ?? 'in-cluster') : undefined, mode: infra.mode }, 'watcher started');

stopOnSignals(logger, async () => {
  await writeBack?.stop();
  await follower?.close();
  for (const source of sources) await source.stop();
  await infra.close();
});

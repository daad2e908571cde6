export {
  createKubernetesWatcher,
  createKubernetesWriteBack,
  createSources,
  type KubernetesWriteBackOptions,
  createWatcher,
  type KubernetesWatcherOptions,
  type SourcesOptions,
  type Watcher,
  type WatcherOptions,
} from './app.js';
export type { Source } from './source.js';
export { KubernetesSource, DEFAULT_MONITORED_BY_LABEL, kubernetesChangeId, type KubernetesSourceOptions } from './kubernetes-source.js';
export { KUBERNETES_RESOURCES, collectionPath, type KubernetesResource } from './kubernetes-resources.js';
export { loadKubeConfig, type KubernetesConnection } from './kubernetes-client.js';
export { backoffDelay } from './backoff.js';
export {
  ManifestsSource,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_RESYNC_INTERVAL_MS,
  type ManifestsSourceOptions,
  type SyncReport,
} from './manifests-source.js';
export { describeProblem, identify, readManifest, type ManifestProblem, type ObservedObject } from './parse-manifest.js';
export { changeId, desiredObjects, planChanges, type PlannedChange } from './change-plan.js';
export { isManifestFileName, listManifestFiles, type DirectoryListing } from './manifest-files.js';
export { objectsHeldFrom, type HeldObject, type LogReader } from './held-objects.js';
export { KubernetesWriteBack, SECRET_RESOURCE, MANAGED_BY_LABELS, type FollowedState, type WriteBackOptions, type WriteBackReport } from './write-back/write-back.js';
export { planWriteBack, reconciledCondition, CA_BUNDLE_SECRET_NAME, type WriteBackPlan, type StatusWrite } from './write-back/plan.js';
export { CaHttpSecrets, type IssuedSecret, type IssuedSecretSource } from './write-back/ca-secrets.js';
export { applyObject, objectPath, FIELD_MANAGER, APPLY_PATCH_CONTENT_TYPE } from './kubernetes-apply.js';

/**
 * @meshgate/analysis — what `istioctl analyze` does, for what meshgate knows: pure analyzers over
 * a MeshState, with Istio's stable codes (IST0101, IST0132, IST0145, …).
 */
export * from './types.js';
export * from './codes.js';
export { ANALYZERS } from './analyzers/index.js';
export { analyzeDocuments, analyzeState, formatMessage, reachesThreshold, sortMessages, type AnalyzeOptions, type SourceDocument } from './analyze.js';
export { gatewayWorkloadNamespaces, type WorkloadNamespace } from './analyzers/gateway-workloads.js';
export { documentationUrl, validationMessageOf, validationMessagesByObject, type ValidationMessage } from './istio-status.js';

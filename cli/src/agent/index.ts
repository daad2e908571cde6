export { parseAgentConfig, isLocalListen, spiffeIdOf, AgentConfigError, type AgentConfig } from './config.js';
export { enroll, usableCertificate, EnrollmentError } from './enroll.js';
export { checkApplicationNode, LocalXdsServer, SDS_NOT_PROXIED } from './local-xds.js';
export { OwnSecrets, agentNode, materialOf } from './own-secrets.js';
export { startAgent, type RunningAgent, type StartAgentOptions } from './agent.js';
export { agentConfig, envoyBootstrap, grpcBootstrap, splitHostPort, XDS_CLUSTER, type ProxyIdentity } from './bootstraps.js';

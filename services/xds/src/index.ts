export * from './app.js';
export * from './admin-routes.js';
export * from './ads-connection.js';
export * from './node-info.js';
export * from './proxy-status.js';
export * from './resource-cache.js';
export * from './certificate-files.js';
export * from './identity-certificates.js';
export * from './sds-secrets.js';
export * from './secret-source.js';
export * from './issuance-limiter.js';
export * from './peer-identity.js';
export * from './secret-access.js';
export * from './server-credentials.js';
// The protobuf byte primitives of the shared responses, for the scale bench's simulated proxies.
export { lengthDelimited, readVarint, stringField } from './wire.js';

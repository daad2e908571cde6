/**
 * @meshgate/envoy-proto — the one place that knows the Envoy v3 protos.
 *
 * Resources travel through meshgate in the resource object format (see `XdsResource` in
 * @meshgate/compiler): .proto field names, Any as `{'@type', …}`, enums by name, Duration as
 * `{seconds, nanos}`, wrappers as `{value}`, Struct as plain JSON, bytes as base64 or Buffer.
 * This package checks such objects strictly against the descriptors, encodes and decodes them.
 */
export { checkResource, checkRules, checkShape, encodeResource, InvalidResourceError, toAny } from './codec.js';
export { messageRuleViolations } from './rules/check-rules.js';
export { decodeResource } from './decode.js';
export { adsPackageDefinition, sdsPackageDefinition } from './package-definition.js';
export { DISCOVERY_SERVICE_FILES, ENVOY_PROTO_FILES, includeDirs } from './proto-files.js';
export { envoyRoot, messageTypeForUrl, typeUrlOf } from './root.js';
export { TYPE_URLS, type KnownTypeUrl } from './type-urls.js';

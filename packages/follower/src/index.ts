export * from './state-follower.js';
export { LogCompactor } from './log-compactor.js';
export { serialiseStateJson } from './snapshot-json.js';
export { rebuildSnapshot, type RebuildResult } from './rebuild.js';

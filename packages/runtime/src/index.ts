export * from './ca-config.js';
export * from './config.js';
export * from './data-dir-lock.js';
export * from './follower-metrics.js';
export * from './infrastructure.js';
export * from './process.js';
export * from './startup-error.js';
export * from './readiness.js';

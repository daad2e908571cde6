// Helpers shared by the e2e tests and the benchmarks.
export * from './backends.js';
export * from './bootstrap.js';
export * from './ports.js';
export * from './processes.js';
export * from './rest.js';
export * from './scenario.js';

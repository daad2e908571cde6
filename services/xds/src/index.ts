export * from './app.js';
export * from './admin-routes.js';
export * from './ads-connection.js';
export * from './node-info.js';
export * from './proxy-status.js';
export * from './resource-cache.js';

export * from './state-follower.js';

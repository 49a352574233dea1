export * from './pure.js';

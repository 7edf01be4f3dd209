// The framework-free part of libs/common: what lapictl's read path and the framework-free libs
// (decision-model, config) load. The index (@lapi/common) also carries the HTTP app, Nest
// modules and metrics, which would cost a list command most of its start.
export * from './src/duration';
export * from './src/errors';
export * from './src/ip';
export * from './src/nul';
export * from './src/query';

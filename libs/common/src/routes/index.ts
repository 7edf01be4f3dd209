export * from './route-gate';
export * from './route-table';
export * from './edge-map';

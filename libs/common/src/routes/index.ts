export * from './route-gate';
export * from './route-table';
export * from './edge-map';
export * from './route-list';

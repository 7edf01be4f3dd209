export * from './route-hooks';
export * from './route-table';
export * from './edge-map';
export * from './route-list';

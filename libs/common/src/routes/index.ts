export * from './route-gate';
export * from './route-table';

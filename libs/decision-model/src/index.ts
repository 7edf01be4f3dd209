// The decision's one home: its record and row mapping, its filter (SQL and in-memory side by
// side) and its change batches with their wire encoding. Framework-free, so lapictl's light read
// path, the bus and the index all import it through this index without loading Nest or TypeORM.
export * from './decision-changes';
export * from './decision-filter';
export * from './decision-record';
export * from './decision-row';
export * from './decision-view';

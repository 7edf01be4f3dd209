// Reads that need no framework: the repositories use them, and so does lapictl's light read path,
// which imports this file alone (`@lapi/db/src/reads`) so that a list loads neither TypeORM nor Nest.
export * from './admin-lists';
export * from './alert-search';
export * from './read-connection';
export * from './schema-check';
export * from './sql-runner';

// Reads that need no framework: the repositories use them, and so does lapictl's light read path,
// which imports them through libs/db/light.ts (`@lapi/db/light`) so that a list loads neither TypeORM nor Nest.
export * from './admin-lists';
export * from './alert-search';
export * from './read-connection';
export * from './schema-check';
export * from './sql-runner';
export * from './allowlist-reads';

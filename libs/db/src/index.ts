export * from './data-source';
export * from './db.module';
export * from './entities';
export * from './migrations';
export * from './reads';
export * from './repositories';
export { hasEmbeddedDatabase } from './embedded/embedded-database';

export * from './data-source';
export * from './db.module';
export * from './entities';
export * from './migrations';
export * from './reads';
export * from './repositories';
export { hasEmbeddedDatabase } from './embedded/embedded-database';
export { packTemplate, TEMPLATE_FILE } from './embedded/data-dir-template';

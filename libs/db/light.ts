// lapictl's reads on a plain connection (plain SQL, no TypeORM, no Nest) and where a running LAPI
// serves its embedded database; reads.int.spec.ts holds them equal to the entities' mapping.
export * from './src/reads';
export { sharedSocket } from './src/embedded/shared-socket';

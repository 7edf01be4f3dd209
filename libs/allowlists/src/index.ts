export * from './allowlist-view';
export * from './allowlists.module';
export * from './allowlists.service';

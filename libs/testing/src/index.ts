export * from './bouncer-keys';
export * from './edge';
export * from './factories';
export * from './poll-until';
export * from './processes';
export * from './test-database';
export * from './test-env';
export * from './crowdsec';

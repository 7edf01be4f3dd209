export * from './after-commit';
export * from './bus.module';
export * from './contracts';
export * from './in-process-bus';
export * from './nats-bus';
export * from './local-bus-socket';

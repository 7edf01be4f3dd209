export * from './capi-sim';

export * from './ca.module';
export * from './ca-key-store';
export * from './ca-channel';
export * from './ca-signer';
export * from './x509';
export * from './enrollment-tokens';

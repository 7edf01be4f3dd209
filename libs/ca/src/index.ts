export * from './ca.module';
export * from './ca-key-store';
export * from './ca-channel';
export * from './ca-signer';
export * from './certificate-signer';
export * from './enrollment-tokens';

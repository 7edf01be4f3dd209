export * from './agent-replay';
export * from './child-process';
export * from './crowdsec-config';
export * from './cscli';
export * from './custom-bouncer';
export * from './recording-proxy';
export * from './upstream-lapi';
export * from './client-traces';

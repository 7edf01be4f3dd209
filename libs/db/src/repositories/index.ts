export * from './alerts.repository';
export * from './bouncers.repository';
export * from './decision-filter';
export * from './decisions.repository';
export * from './machines.repository';
export * from './settings.repository';
export * from './certificates.repository';

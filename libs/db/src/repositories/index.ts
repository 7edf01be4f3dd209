export * from './alerts.repository';
export * from './bouncers.repository';
export * from './decision-filter';
export * from './decisions.repository';
export * from './login-attempts.repository';
export * from './machines.repository';
export * from './settings.repository';

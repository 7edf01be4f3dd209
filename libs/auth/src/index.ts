export * from './auth.module';
export * from './jwt.service';
export * from './login-throttle';
export * from './machine-sessions';
export * from './route-guard';

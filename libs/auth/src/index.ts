export * from './auth.module';
export * from './client-certificate';
export * from './jwt.service';
export * from './login-throttle';
export * from './machine-sessions';
export * from './route-guard';

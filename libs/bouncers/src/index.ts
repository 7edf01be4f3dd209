export * from './api-key';
export * from './bouncers.module';
export * from './bouncers.service';
export * from './bouncer-activity';

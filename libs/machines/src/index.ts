export * from './machines.module';
export * from './machines.service';

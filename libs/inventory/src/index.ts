export * from './dto/usage-metrics.dto';
export * from './fleet-cleanup.service';
export * from './inventory.module';
export * from './usage-metrics.service';

export * from './alert-queries';
export * from './alert-view';
export * from './alerts.module';
export * from './alerts.service';
export * from './retention.service';
export * from './dto/alert.dto';

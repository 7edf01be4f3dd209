export * from './decision-index';
export * from './decision-queries';
export * from './decision-writer';
export * from './decisions.module';
export * from './decisions.service';
export * from './index-sync';
export * from './push-streams';

export * from './expr';
export * from './profile-environment';
export * from './profile-runner';
export * from './profiles-file';
export * from './profiles.module';
export * from './profiles.service';

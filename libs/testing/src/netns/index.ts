export * from './netns';
export * from './cluster-bed';
export * from './bed-load';

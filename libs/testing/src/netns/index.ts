export * from './netns';
export * from './cluster-bed';

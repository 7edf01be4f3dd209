// The configuration without its Nest module: lapictl's read path loads it without the framework.
export * from './src/app-config';

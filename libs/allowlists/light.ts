// The allowlists' API view without the service and its Nest module: lapictl's list and inspect load it without the framework.
export * from './src/allowlist-view';

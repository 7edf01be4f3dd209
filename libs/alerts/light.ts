// The alerts' query parameters and swagger view, without the service and its Nest module:
// lapictl's alert and decision lists load them without the framework.
export * from './src/alert-queries';
export * from './src/alert-view';

export * from './expr.errors';
export * from './expr-compiler';
export * from './expr-parser';
export * from './go-sprintf';

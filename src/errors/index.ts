export * from './domain-errors';
export * from './problem.filter';
export * from './client-errors';

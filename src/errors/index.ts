export * from './domain-errors';
export * from './problem.filter';

export * from './cache.health';
export * from './cache.module';
export * from './cache.module-definition';
export * from './cache.service';

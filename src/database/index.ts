export * from './database.health';
export * from './database.module';
export * from './database.module-definition';
export * from './database.service';

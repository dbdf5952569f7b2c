export * from './content-disposition';
export * from './storage.errors';
export * from './storage.health';
export * from './storage.module';
export {
  STORAGE_MODULE_OPTIONS,
  type StorageCredentials,
  type StorageModuleOptions,
} from './storage.module-definition';
export * from './storage.service';
export * from './storage.types';

export * from './content-disposition';
export * from './storage.clients';
export * from './storage.errors';
export * from './storage.event-records';
export * from './storage.events';
export * from './storage.health';
export * from './storage.lifetime';
export * from './storage.module';
export {
  STORAGE_MODULE_OPTIONS,
  type StorageCredentials,
  type StorageModuleOptions,
} from './storage.module-definition';
export * from './storage.multipart';
export * from './storage.presigner';
export { MAX_SINGLE_UPLOAD_BYTES, StorageService } from './storage.service';
export * from './storage.types';

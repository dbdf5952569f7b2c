import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageClients } from './storage.clients';
import { StorageEvents } from './storage.events';
import { StorageHealthIndicator } from './storage.health';
import { StorageConfigurableModule } from './storage.module-definition';
import { MultipartUploads } from './storage.multipart';
import { StorageService } from './storage.service';

/** S3 document storage: `StorageModule.forRoot({ bucket, region })` or `forRootAsync({ useFactory })`. */
@Module({
  imports: [TerminusModule],
  providers: [StorageClients, StorageService, MultipartUploads, StorageEvents, StorageHealthIndicator],
  exports: [StorageClients, StorageService, MultipartUploads, StorageEvents, StorageHealthIndicator],
})
export class StorageModule extends StorageConfigurableModule {}

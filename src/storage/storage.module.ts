import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageHealthIndicator } from './storage.health';
import { StorageConfigurableModule } from './storage.module-definition';
import { StorageService } from './storage.service';

/** S3 document storage: `StorageModule.forRoot({ bucket, region })` or `forRootAsync({ useFactory })`. */
@Module({
  imports: [TerminusModule],
  providers: [StorageService, StorageHealthIndicator],
  exports: [StorageService, StorageHealthIndicator],
})
export class StorageModule extends StorageConfigurableModule {}

import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { DocumentsController } from './documents.controller';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';

/** The documents table's migrations, applied by the database room at start-up. */
export const DOCUMENTS_MIGRATIONS_DIR = join(__dirname, 'migrations');

/** The product's own API, built only on the database, cache, storage and auth rooms. */
@Module({
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentsRepository],
})
export class DocumentsModule {}

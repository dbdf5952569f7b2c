import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { DocumentsController } from './documents.controller';
import { DocumentEventsHandler } from './documents.events';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { ExpiredUploadsSweeper } from './documents.sweeper';

/** The documents table's migrations, applied by the database room at start-up. */
export const DOCUMENTS_MIGRATIONS_DIR = join(__dirname, 'migrations');

/** The product's own API, built only on the database, cache, storage and auth rooms. */
@Module({
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentsRepository, DocumentEventsHandler, ExpiredUploadsSweeper],
})
export class DocumentsModule {}

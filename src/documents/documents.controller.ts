import { Body, Controller, Delete, Get, HttpCode, Inject, Injectable, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { openApiSchema } from '../common/openapi-schema';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import {
  completeDocumentSchema,
  createDocumentSchema,
  createdDocumentSchema,
  documentEnvelopeSchema,
  documentIdSchema,
  documentPageSchema,
  downloadSchema,
  listDocumentsQuerySchema,
  renewUploadSchema,
  type CompleteDocumentInput,
  type CreateDocumentInput,
  type ListDocumentsQuery,
  type RenewUploadInput,
} from './documents.schemas';
import { DocumentsService } from './documents.service';

/** Validates the create body against the configured maximum document size. */
@Injectable()
export class CreateDocumentPipe extends ZodValidationPipe<ReturnType<typeof createDocumentSchema>> {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(createDocumentSchema(config.storage.maxDocumentBytes));
  }
}

const idPipe = new ZodValidationPipe(documentIdSchema, 'path');
const completePipe = new ZodValidationPipe(completeDocumentSchema);
const renewUploadPipe = new ZodValidationPipe(renewUploadSchema);
const idParam = ApiParam({ name: 'id', format: 'uuid' });

@ApiTags('documents')
@Controller('v1/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @Authorize('Documents.Write')
  @ApiBody({ schema: openApiSchema(createDocumentSchema(5 * 1024 ** 3), 'input') })
  @ApiResponse({ status: 201, schema: openApiSchema(createdDocumentSchema) })
  async create(@CurrentPrincipal() principal: Principal, @Body(CreateDocumentPipe) body: CreateDocumentInput) {
    return this.documents.create(principal, body);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Authorize('Documents.Write')
  @idParam
  @ApiBody({ required: false, schema: openApiSchema(completeDocumentSchema, 'input') })
  @ApiOkResponse({ schema: openApiSchema(documentEnvelopeSchema) })
  @ApiResponse({
    status: 409,
    description:
      'The stored object is missing or differs from what was declared (size, checksum, encryption; it is removed), ' +
      'S3 refused the listed parts, or the multipart upload expired',
  })
  async complete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', idPipe) id: string,
    @Body(completePipe) body: CompleteDocumentInput,
  ) {
    return { document: await this.documents.complete(principal, id, body) };
  }

  @Post(':id/upload')
  @HttpCode(200)
  @Authorize('Documents.Write')
  @idParam
  @ApiBody({ required: false, schema: openApiSchema(renewUploadSchema, 'input') })
  @ApiOkResponse({
    description: 'Fresh upload instructions for a pending document whose first ones expired',
    schema: openApiSchema(createdDocumentSchema),
  })
  @ApiResponse({ status: 409, description: 'The document is no longer pending, or its multipart upload expired' })
  async renewUpload(
    @CurrentPrincipal() principal: Principal,
    @Param('id', idPipe) id: string,
    @Body(renewUploadPipe) body: RenewUploadInput,
  ) {
    return this.documents.renewUpload(principal, id, body);
  }

  @Get()
  @Authorize('Documents.Read')
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: openApiSchema(documentPageSchema) })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listDocumentsQuerySchema, 'query')) query: ListDocumentsQuery,
  ) {
    return this.documents.list(principal, query);
  }

  @Get(':id')
  @Authorize('Documents.Read')
  @idParam
  @ApiOkResponse({ schema: openApiSchema(documentEnvelopeSchema) })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', idPipe) id: string) {
    return { document: await this.documents.get(principal, id) };
  }

  @Get(':id/download')
  @Authorize('Documents.Read')
  @idParam
  @ApiOkResponse({ schema: openApiSchema(downloadSchema) })
  async download(@CurrentPrincipal() principal: Principal, @Param('id', idPipe) id: string) {
    return this.documents.download(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize('Documents.Write')
  @idParam
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', idPipe) id: string): Promise<void> {
    await this.documents.delete(principal, id);
  }
}

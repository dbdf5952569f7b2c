import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { CacheService } from '../cache/cache.service';
import { ConflictError, NotFoundError } from '../errors/domain-errors';
import { StorageService } from '../storage/storage.service';
import { decodeCursor, encodeCursor } from './documents.cursor';
import { DocumentsRepository, type StoredDocument } from './documents.repository';
import type { CreateDocumentInput, DocumentView, ListDocumentsQuery } from './documents.schemas';

function view(document: StoredDocument): DocumentView {
  const { objectKey: _objectKey, ...rest } = document;
  return rest;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No document ${id}`);
}

/** The documents API: metadata in the database, content in storage, hot reads from the cache. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly repository: DocumentsRepository,
    private readonly storage: StorageService,
    private readonly cache: CacheService,
  ) {}

  async create(principal: Principal, input: CreateDocumentInput) {
    const id = randomUUID();
    const objectKey = this.storage.documentObjectKey(principal.tenantId, id);
    const upload = await this.storage.presignUpload({
      key: objectKey,
      contentType: input.contentType,
      contentLength: input.size,
      sha256Base64: input.sha256,
    });
    const document = await this.repository.insert({
      tenantId: principal.tenantId,
      id,
      ownerObjectId: principal.objectId,
      name: input.name,
      contentType: input.contentType,
      size: input.size,
      sha256: input.sha256,
      objectKey,
    });
    return { document: view(document), upload };
  }

  /** Marks the document available once the stored object matches what was declared. */
  async complete(principal: Principal, id: string): Promise<DocumentView> {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.status === 'available') return view(document);
    const check = await this.storage.verifyObject(document.objectKey, {
      size: document.size,
      sha256Base64: document.sha256 ?? undefined,
    });
    if (!check.ok) {
      if (check.reason === 'missing') throw new ConflictError('No content has been uploaded for this document yet');
      await this.storage.deleteObject(document.objectKey);
      throw new ConflictError(`The uploaded content does not match the declared ${check.reason}; upload it again`);
    }
    const updated = await this.repository.markAvailable(principal.tenantId, id);
    if (!updated) throw notFound(id);
    await this.cache.invalidate(this.cacheKey(principal.tenantId, id));
    return view(updated);
  }

  async get(principal: Principal, id: string): Promise<DocumentView> {
    const document = await this.cache.getOrLoad(this.cacheKey(principal.tenantId, id), async () => {
      const found = await this.repository.find(principal.tenantId, id);
      return found && view(found);
    });
    if (!document) throw notFound(id);
    return document;
  }

  async download(principal: Principal, id: string) {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.status !== 'available') throw new ConflictError('The document has not been completed yet');
    return this.storage.presignDownload({
      key: document.objectKey,
      filename: document.name,
      contentType: document.contentType,
    });
  }

  async list(principal: Principal, query: ListDocumentsQuery) {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.repository.list(principal.tenantId, query.limit + 1, after);
    const items = rows.slice(0, query.limit).map(view);
    const last = items.at(-1);
    const nextCursor =
      rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  /** Removes the content first, so a failure leaves the document to retry, never an orphaned object. */
  async delete(principal: Principal, id: string): Promise<void> {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    await this.storage.deleteObject(document.objectKey);
    await this.repository.delete(principal.tenantId, id);
    await this.cache.invalidate(this.cacheKey(principal.tenantId, id));
  }

  private cacheKey(tenantId: string, id: string): string {
    return `documents:${tenantId}:${id}`;
  }
}

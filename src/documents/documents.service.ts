import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { CacheService } from '../cache/cache.service';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/domain-errors';
import { MultipartUploads } from '../storage/storage.multipart';
import { StorageService } from '../storage/storage.service';
import type {
  PresignedMultipart,
  PresignedPost,
  PresignedUpload,
  UploadedPart,
  UploadRequest,
} from '../storage/storage.types';
import { decodeCursor, encodeCursor } from './documents.cursor';
import { DocumentsRepository, type StoredDocument } from './documents.repository';
import type {
  CompleteDocumentInput,
  CreateDocumentInput,
  DocumentView,
  ListDocumentsQuery,
  RenewUploadInput,
} from './documents.schemas';

export function view(document: StoredDocument): DocumentView {
  const { objectKey: _key, uploadId: _uploadId, multipart: _multipart, eventSequencer: _sequencer, ...rest } = document;
  return rest;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No document ${id}`);
}

export function documentCacheKey(tenantId: string, id: string): string {
  return `documents:${tenantId}:${id}`;
}

const MISMATCH: Record<string, string> = {
  size: 'size',
  checksum: 'checksum',
  encryption: 'encryption (SSE-KMS)',
};

/** The documents API: metadata in the database, content in storage, hot reads from the cache. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly repository: DocumentsRepository,
    private readonly storage: StorageService,
    private readonly multipart: MultipartUploads,
    private readonly cache: CacheService,
  ) {}

  async create(principal: Principal, input: CreateDocumentInput) {
    const id = randomUUID();
    const objectKey = this.storage.documentObjectKey(principal.tenantId, id);
    const upload = await this.presignUpload(objectKey, input);
    const multipartUpload = 'uploadId' in upload ? { id: upload.uploadId, expiresAt: upload.expiresAt } : undefined;
    try {
      const document = await this.repository.insert({
        tenantId: principal.tenantId,
        id,
        ownerObjectId: principal.objectId,
        name: input.name,
        contentType: input.contentType,
        size: input.size,
        sha256: input.sha256,
        objectKey,
        upload: multipartUpload,
      });
      return { document: view(document), upload };
    } catch (error) {
      // No row will ever point at this upload: free its parts now rather than at the bucket's lifecycle rule.
      if (multipartUpload) await this.multipart.abort(objectKey, multipartUpload.id).catch(() => undefined);
      throw error;
    }
  }

  /** Marks the document available once the stored object matches what was declared; assembles multipart first. */
  async complete(principal: Principal, id: string, input: CompleteDocumentInput = {}): Promise<DocumentView> {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.status === 'available') return view(document);
    let uploadGone = false;
    if (document.uploadId) {
      uploadGone = !(await this.completeMultipart(document, document.uploadId, input.parts));
    } else if (document.multipart) {
      // Completed by an earlier call, or aborted by the sweeper: the object decides.
      uploadGone = true;
    } else if (input.parts) {
      throw new InvalidInputError('This document was not uploaded in parts', [
        { field: 'parts', message: 'only for multipart uploads' },
      ]);
    }
    const check = await this.storage.verifyObject(document.objectKey, {
      size: document.size,
      sha256Base64: document.sha256 ?? undefined,
    });
    if (!check.ok) {
      if (check.reason === 'missing') {
        throw new ConflictError(
          uploadGone
            ? 'The multipart upload expired or was aborted; create the document again'
            : 'No content has been uploaded for this document yet',
        );
      }
      await this.storage.deleteObject(document.objectKey);
      throw new ConflictError(
        `The uploaded content does not match the declared ${MISMATCH[check.reason]}; upload it again`,
      );
    }
    const updated = await this.repository.markAvailable(principal.tenantId, id);
    if (!updated) throw notFound(id);
    await this.cache.invalidate(documentCacheKey(principal.tenantId, id));
    return view(updated);
  }

  async get(principal: Principal, id: string): Promise<DocumentView> {
    const document = await this.cache.getOrLoad(documentCacheKey(principal.tenantId, id), async () => {
      const found = await this.repository.find(principal.tenantId, id);
      return found && view(found);
    });
    if (!document) throw notFound(id);
    return document;
  }

  async download(principal: Principal, id: string) {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.status === 'removed') throw new ConflictError('The stored content of this document was removed');
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

  /**
   * Fresh upload instructions for a document still waiting for its content, when the first ones expired: the same
   * key, size, type and checksum signed anew; for a multipart upload the same parts, whose expiry moves with them.
   */
  async renewUpload(principal: Principal, id: string, input: RenewUploadInput) {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.status !== 'pending') throw new ConflictError(`The document is ${document.status}: nothing to upload`);
    if (document.multipart) {
      const expired = 'The multipart upload expired or was aborted; create the document again';
      if (!document.uploadId) throw new ConflictError(expired);
      const upload = await this.multipart.presignParts(document.objectKey, document.uploadId, document.size);
      const extended = await this.repository.extendUpload(principal.tenantId, id, document.uploadId, upload.expiresAt);
      if (!extended) throw new ConflictError(expired);
      return { document: view(document), upload };
    }
    const request = {
      key: document.objectKey,
      contentType: document.contentType,
      contentLength: document.size,
      sha256Base64: document.sha256 ?? undefined,
    };
    return { document: view(document), upload: await this.presignSingle(request, input.uploadMethod) };
  }

  /** Aborts an unfinished multipart upload and removes the content first: a failure leaves the document to retry. */
  async delete(principal: Principal, id: string): Promise<void> {
    const document = await this.repository.find(principal.tenantId, id);
    if (!document) throw notFound(id);
    if (document.uploadId) await this.multipart.abort(document.objectKey, document.uploadId);
    await this.storage.deleteObject(document.objectKey);
    await this.repository.delete(principal.tenantId, id);
    await this.cache.invalidate(documentCacheKey(principal.tenantId, id));
  }

  /** POST form on request; multipart above the threshold; a single presigned PUT otherwise. */
  private presignUpload(
    key: string,
    input: CreateDocumentInput,
  ): Promise<PresignedUpload | PresignedPost | PresignedMultipart> {
    const request = { key, contentType: input.contentType, contentLength: input.size, sha256Base64: input.sha256 };
    if (input.uploadMethod !== 'POST' && this.multipart.needsMultipart(input.size))
      return this.multipart.create(request);
    return this.presignSingle(request, input.uploadMethod);
  }

  /** One request for the whole object: a browser form (POST) or a presigned PUT. */
  private presignSingle(request: UploadRequest, method: 'PUT' | 'POST'): Promise<PresignedUpload | PresignedPost> {
    return method === 'POST' ? this.storage.presignPost(request) : this.storage.presignUpload(request);
  }

  /** False when the upload no longer exists (completed by an earlier call, or aborted): the object decides then. */
  private async completeMultipart(
    document: StoredDocument,
    uploadId: string,
    parts: UploadedPart[] | undefined,
  ): Promise<boolean> {
    const { partCount } = this.multipart.planParts(document.size);
    assertAllParts(parts, partCount);
    const result = await this.multipart.complete(document.objectKey, uploadId, parts);
    if (!result.ok && result.reason === 'parts') {
      throw new ConflictError('S3 refused the parts: an ETag, part number or part size differs from what was uploaded');
    }
    // Completed now or earlier, or aborted: nothing is left to abort, and the sweeper must not try.
    await this.repository.clearUpload(document.tenantId, document.id, uploadId);
    return result.ok;
  }
}

/** Every part 1..partCount exactly once: S3 would otherwise assemble a different object. */
function assertAllParts(parts: UploadedPart[] | undefined, partCount: number): asserts parts is UploadedPart[] {
  if (!parts) {
    throw new InvalidInputError('This document was uploaded in parts: list them with their ETags', [
      { field: 'parts', message: 'required for a multipart upload' },
    ]);
  }
  const numbers = new Set(parts.map((part) => part.partNumber));
  const complete =
    numbers.size === parts.length && parts.length === partCount && [...numbers].every((n) => n <= partCount);
  if (!complete) {
    throw new InvalidInputError(`The upload has ${partCount} parts: list each of 1..${partCount} once`, [
      { field: 'parts', message: `must hold part numbers 1..${partCount}, each once` },
    ]);
  }
}

import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CacheService } from '../cache/cache.service';
import { isLaterSequencer, type StorageObjectEvent } from '../storage/storage.event-records';
import { StorageEvents } from '../storage/storage.events';
import { StorageService } from '../storage/storage.service';
import { DocumentsRepository, type ObjectEventEffect } from './documents.repository';
import { documentCacheKey } from './documents.service';

/**
 * Applies the bucket's S3 events to documents, so an upload completes without the client calling complete and
 * an object deleted behind the API's back shows as `removed`. Idempotent and order-proof: each document keeps the
 * sequencer of the last event applied, and an event ordered before it (a duplicate, or one delivered late) changes
 * nothing. A created object is checked exactly as complete checks it; one that differs is deleted.
 */
@Injectable()
export class DocumentEventsHandler implements OnModuleInit {
  private readonly logger = new Logger(DocumentEventsHandler.name);

  constructor(
    private readonly events: StorageEvents,
    private readonly storage: StorageService,
    private readonly repository: DocumentsRepository,
    private readonly cache: CacheService,
  ) {}

  onModuleInit(): void {
    this.events.onObjectEvent((event) => this.apply(event));
  }

  /** Applies one event; resolves once it is applied or known to change nothing. */
  async apply(event: StorageObjectEvent): Promise<void> {
    const ids = this.storage.parseDocumentObjectKey(event.key);
    if (!ids) return;
    const document = await this.repository.find(ids.tenantId, ids.documentId);
    // A document deleted through the API, or an event older than the last one applied: nothing to do.
    if (!document || !isLaterSequencer(event.sequencer, document.eventSequencer)) return;
    const effect = event.kind === 'removed' ? 'removed' : await this.createdEffect(event.key, document);
    const applied = await this.repository.applyObjectEvent(ids.tenantId, ids.documentId, event.sequencer, effect);
    if (applied && applied.status !== document.status) {
      this.logger.log(`Document ${document.id} ${document.status} → ${applied.status} (${event.eventName})`);
      await this.cache.invalidate(documentCacheKey(ids.tenantId, ids.documentId));
    }
  }

  /** The object as it is now (not as the possibly stale event describes it) decides. */
  private async createdEffect(
    key: string,
    document: { size: number; sha256: string | null; status: string },
  ): Promise<ObjectEventEffect> {
    const check = await this.storage.verifyObject(key, {
      size: document.size,
      sha256Base64: document.sha256 ?? undefined,
    });
    if (check.ok) return 'available';
    if (check.reason !== 'missing') {
      this.logger.warn(`Deleted object ${key}: its ${check.reason} differs from the document's`);
      await this.storage.deleteObject(key);
    }
    return 'none';
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MultipartUploads } from '../storage/storage.multipart';
import { DocumentsRepository } from './documents.repository';

const BATCH = 100;

/**
 * Aborts the multipart uploads of documents still pending `S3_MULTIPART_ABORT_AFTER_SECONDS` after their part URLs
 * expired, so abandoned parts stop costing storage. Idempotent: instances sweeping at once abort the same upload
 * twice at worst, which S3 answers with NoSuchUpload.
 */
@Injectable()
export class ExpiredUploadsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredUploadsSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: DocumentsRepository,
    private readonly multipart: MultipartUploads,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.storage.uploadSweepIntervalMs;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`Upload sweep failed: ${String(error)}`));
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass (up to 100 uploads); resolves with how many were aborted. */
  sweep(): Promise<number> {
    this.running ??= this.abortExpired().finally(() => (this.running = undefined));
    return this.running;
  }

  private async abortExpired(): Promise<number> {
    const expired = await this.repository.findExpiredUploads(this.config.storage.multipartAbortAfterSeconds, BATCH);
    for (const upload of expired) {
      await this.multipart.abort(upload.objectKey, upload.uploadId);
      await this.repository.clearUpload(upload.tenantId, upload.id, upload.uploadId);
    }
    if (expired.length > 0) this.logger.log(`Aborted ${expired.length} expired multipart uploads`);
    return expired.length;
  }
}

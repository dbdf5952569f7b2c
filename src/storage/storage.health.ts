import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { StorageService } from './storage.service';

/** Readiness of the document bucket: HEAD Bucket within a short deadline. */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly storage: StorageService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'storage', timeoutMs = 2_000) {
    const indicator = this.health.check(key);
    try {
      await this.storage.checkBucket(AbortSignal.timeout(timeoutMs));
      return indicator.up();
    } catch {
      return indicator.down({ message: 'storage unreachable' });
    }
  }
}

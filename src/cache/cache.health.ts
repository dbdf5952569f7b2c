import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheService } from './cache.service';

/** Reports Redis (reachability, circuit, memory) but never fails readiness: the service serves (slower) without it. */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly cache: CacheService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'cache') {
    const redis = await this.cache.ping();
    const memory = this.cache.metrics.info?.usedMemoryBytes;
    return this.health.check(key).up({
      redis,
      ...(redis === 'not-configured' ? {} : { circuit: this.cache.circuit }),
      ...(memory === undefined ? {} : { memoryBytes: memory }),
    });
  }
}

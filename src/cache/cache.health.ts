import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheService } from './cache.service';

/** Reports Redis but never fails readiness: the service serves (slower) without it. */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly cache: CacheService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'cache') {
    return this.health.check(key).up({ redis: await this.cache.ping() });
  }
}

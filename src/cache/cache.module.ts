import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache.health';
import { CacheConfigurableModule } from './cache.module-definition';
import { CacheService } from './cache.service';

/** Two-tier cache-aside: in-process LRU, then Redis when REDIS_URL is set. */
@Module({
  imports: [TerminusModule],
  providers: [CacheService, CacheHealthIndicator],
  exports: [CacheService, CacheHealthIndicator],
})
export class CacheModule extends CacheConfigurableModule {}

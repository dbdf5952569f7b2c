import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheBus } from './cache.bus';
import { CacheHealthIndicator } from './cache.health';
import { CacheConfigurableModule } from './cache.module-definition';
import { CacheService } from './cache.service';

/** Two-tier cache-aside: in-process LRU, then Redis when REDIS_URL is set; CacheBus signals across instances. */
@Module({
  imports: [TerminusModule],
  providers: [CacheService, CacheHealthIndicator, CacheBus],
  exports: [CacheService, CacheHealthIndicator, CacheBus],
})
export class CacheModule extends CacheConfigurableModule {}

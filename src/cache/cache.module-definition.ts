import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface CacheModuleOptions {
  /** redis:// or rediss:// URL; absent → the in-process tier alone. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel. Default `navius:`. */
  keyPrefix?: string;
  /** TTL of shared (Redis) entries, seconds; jittered by ±10 %. Default 300. */
  ttlSeconds?: number;
  /** Entries kept in the in-process tier (0 disables it). Default 10000. */
  localMaxEntries?: number;
  /** TTL of in-process entries, ms: the longest a missed invalidation can last. Default 1000. */
  localTtlMs?: number;
  /** Per-command timeout for Redis, ms; a slow Redis falls back to the loader. Default 250. */
  commandTimeoutMs?: number;
}

export const { ConfigurableModuleClass: CacheConfigurableModule, MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<CacheModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

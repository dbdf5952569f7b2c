import { metrics, type Counter } from '@opentelemetry/api';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';

export type CacheTier = 'local' | 'redis' | 'loader';

/**
 * Cache-aside over two tiers: an in-process LRU in front of an optional Redis.
 * Redis is never required for correctness: every Redis failure falls through to the loader.
 */
@Injectable()
export class CacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  private readonly prefix: string;
  private readonly local?: LRUCache<string, { value: string }>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Sequence number of the last invalidation of each recently invalidated key. */
  private readonly invalidatedAt = new LRUCache<string, number>({ max: 100_000 });
  private sequence = 0;
  private readonly redis?: Redis;
  private readonly subscriber?: Redis;
  private readonly channel: string;
  private lastRedisWarning = 0;
  private readonly lookups: Counter = metrics.getMeter('navius').createCounter('cache.requests', {
    description: 'Cache lookups by tier and result',
  });

  constructor(@Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions) {
    this.prefix = options.keyPrefix ?? 'navius:';
    this.channel = `${this.prefix}invalidate`;
    const localMax = options.localMaxEntries ?? 10_000;
    if (localMax > 0) this.local = new LRUCache({ max: localMax, ttl: options.localTtlMs ?? 1_000 });
    if (options.redisUrl) {
      this.redis = this.connect(options.redisUrl);
      // The subscriber queues its SUBSCRIBE until connected and resubscribes after every reconnect.
      this.subscriber = this.connect(options.redisUrl, { enableOfflineQueue: true });
    }
  }

  async onModuleInit(): Promise<void> {
    if (!this.subscriber) return;
    this.subscriber.on('message', (_channel: string, key: string) => this.forget(key));
    // Subscribing must not block start-up: Redis may be down and come back later.
    this.subscriber.subscribe(this.channel).catch((error: Error) => this.warn('subscribe', error));
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
    this.subscriber?.disconnect();
  }

  get redisConfigured(): boolean {
    return this.redis !== undefined;
  }

  /** Returns the cached value, or loads it once (concurrent callers share one load) and caches it. */
  async getOrLoad<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const startedAt = this.sequence;
    const cached = await this.get<T>(key);
    if (cached !== undefined) return cached.value;
    const running = this.inflight.get(key);
    if (running) return running as Promise<T | undefined>;
    const loading = load()
      .then(async (value) => {
        // A write invalidated the key after we started: the value may predate it, so do not cache it.
        const invalidated = (this.invalidatedAt.get(key) ?? -1) > startedAt;
        if (value !== undefined && !invalidated) await this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.inflight.get(key) === loading) this.inflight.delete(key);
      });
    this.inflight.set(key, loading);
    return loading;
  }

  async get<T>(key: string): Promise<{ value: T; tier: CacheTier } | undefined> {
    const local = this.local?.get(key);
    if (this.local) this.lookups.add(1, { tier: 'local', result: local ? 'hit' : 'miss' });
    if (local) return { value: JSON.parse(local.value) as T, tier: 'local' };
    if (!this.redis || this.redis.status !== 'ready') return undefined;
    try {
      const raw = await this.redis.get(this.prefix + key);
      this.lookups.add(1, { tier: 'redis', result: raw === null ? 'miss' : 'hit' });
      if (raw === null) return undefined;
      this.local?.set(key, { value: raw });
      return { value: JSON.parse(raw) as T, tier: 'redis' };
    } catch (error) {
      this.lookups.add(1, { tier: 'redis', result: 'error' });
      this.warn('get', error);
      return undefined;
    }
  }

  async set<T>(key: string, value: T): Promise<void> {
    const raw = JSON.stringify(value);
    this.local?.set(key, { value: raw });
    if (!this.redis || this.redis.status !== 'ready') return;
    try {
      await this.redis.set(this.prefix + key, raw, 'EX', this.jitteredTtl());
    } catch (error) {
      this.warn('set', error);
    }
  }

  /** Removes the key here, in Redis, and (through pub/sub) in every other instance's local tier. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    if (!this.redis || this.redis.status !== 'ready') return;
    try {
      await this.redis
        .multi()
        .del(this.prefix + key)
        .publish(this.channel, key)
        .exec();
    } catch (error) {
      this.warn('invalidate', error);
    }
  }

  async ping(): Promise<'up' | 'down' | 'not-configured'> {
    if (!this.redis) return 'not-configured';
    try {
      await this.redis.ping();
      return 'up';
    } catch {
      return 'down';
    }
  }

  /** Drops the key from this instance and marks loads already under way as stale. */
  private forget(key: string): void {
    this.sequence += 1;
    this.invalidatedAt.set(key, this.sequence);
    this.inflight.delete(key);
    this.local?.delete(key);
  }

  private connect(url: string, overrides: { enableOfflineQueue?: boolean } = {}): Redis {
    const client = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: overrides.enableOfflineQueue ?? false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    client.on('error', (error: Error) => this.warn('connection', error));
    return client;
  }

  private jitteredTtl(): number {
    const ttl = this.options.ttlSeconds ?? 300;
    return Math.max(1, Math.round(ttl * (0.9 + Math.random() * 0.2)));
  }

  // Redis outages are expected and survivable: log at most one warning every 10 s.
  private warn(operation: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastRedisWarning < 10_000) return;
    this.lastRedisWarning = now;
    this.logger.warn(`redis ${operation} failed, serving without it: ${(error as Error).message}`);
  }
}

import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { RedisConnections, type RedisClient } from './cache.connection';
import { elastiCacheTokenSigner } from './cache.iam';
import { CacheMetrics } from './cache.metrics';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';

export type CacheTier = 'local' | 'redis' | 'loader';

/** An entry as both tiers keep it: the value's JSON and when it stops being fresh (epoch ms). */
interface Entry {
  json: string;
  freshUntil: number;
  /** The JSON parsed and deep-frozen, once a reader of this instance needed it; shared by every later reader. */
  value?: unknown;
}

/** What a reader gets: the entry's JSON parsed once per entry, frozen (a reader cannot change it for the others). */
function valueOf<T>(entry: Entry): T {
  entry.value ??= deepFreeze(JSON.parse(entry.json));
  return entry.value as T;
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** Outcome of a Redis call: Redis is optional, so a failure is a value, not an exception. */
export type RedisOutcome<T> = { ok: true; value: T } | { ok: false };

// Redis keeps `<freshUntil>|<json>`, so another instance knows when a stale-while-revalidate entry went stale.
function encode(entry: Entry): string {
  return `${entry.freshUntil}|${entry.json}`;
}
function decode(raw: string): Entry | undefined {
  const match = /^(\d+)\|/.exec(raw);
  // Anything else (an older format, a foreign writer) is a miss: the loader overwrites it.
  return match ? { freshUntil: Number(match[1]), json: raw.slice(match[0].length) } : undefined;
}

/**
 * Cache-aside over two tiers: an in-process LRU (a hot read costs no network round trip) in front of an optional
 * Redis shared by every instance. Writes publish the key on `<prefix>invalidate`; every instance drops its local
 * copy when the message arrives, and drops its whole local tier after a reconnect (messages may have been missed).
 * Redis is never required for correctness: a circuit breaker skips it after repeated failures and every miss falls
 * through to the loader.
 */
@Injectable()
export class CacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  private readonly instanceId = randomUUID();
  private readonly prefix: string;
  private readonly channel: string;
  private readonly local?: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Sequence number of the last invalidation of each recently invalidated key. */
  private readonly invalidatedAt = new LRUCache<string, number>({ max: 100_000 });
  private sequence = 0;
  private readonly connections?: RedisConnections;
  private readonly redis?: RedisClient;
  private readonly subscriber?: RedisClient;
  private readonly breaker: CircuitBreakerPolicy;
  readonly metrics = new CacheMetrics();
  private lastRedisWarning = 0;

  constructor(
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
    @Optional() @Inject(AwsClientFactory) aws?: AwsClientFactory,
  ) {
    this.prefix = options.keyPrefix ?? 'navius:';
    this.channel = `${this.prefix}invalidate`;
    const localMax = options.localMaxEntries ?? 10_000;
    if (localMax > 0) {
      this.local = new LRUCache({
        max: localMax,
        ttl: options.localTtlMs ?? 1_000,
        disposeAfter: (_value, _key, reason) => {
          if (reason === 'evict') this.metrics.evictions.add(1, { tier: 'local' });
        },
      });
    }
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.circuitHalfOpenMs ?? 5_000,
      breaker: new ConsecutiveBreaker(options.circuitFailureThreshold ?? 5),
    });
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.logger.warn('redis circuit open: serving without Redis for now');
      if (state === CircuitState.Closed) this.logger.log('redis circuit closed: Redis is back');
    });
    if (options.redisUrl) {
      this.connections = new RedisConnections({ ...options, redisUrl: options.redisUrl }, this.iamSigner(aws));
      this.redis = this.connections.create('navius-cache');
      this.subscriber = this.connections.create('navius-cache-invalidations', { subscriber: true });
      for (const client of [this.redis, this.subscriber]) {
        client.on('error', (error: Error) => this.warn('connection', error));
      }
    }
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber || !this.redis || !this.connections) return;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // Subscribes on every (re)connect; invalidations sent while disconnected are lost, so the local tier starts afresh.
    const subscribe = () => {
      this.local?.clear();
      subscriber.subscribe(this.channel).catch((error: Error) => this.warn('subscribe', error));
    };
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
    this.connections.start();
    this.metrics.startInfoPolling(this.redis, this.options.infoIntervalMs ?? 30_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.metrics.stop();
    this.connections?.close();
  }

  get redisConfigured(): boolean {
    return this.redis !== undefined;
  }

  /** `closed`, `open` (Redis skipped) or `half-open`: for readiness details. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    const state = this.breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** Prefix of every key and channel of this cache in Redis. */
  get keyPrefix(): string {
    return this.prefix;
  }

  /** The connection factory (standalone/cluster, TLS, AUTH/IAM), for other users of the cache's Redis. */
  get redisConnections(): RedisConnections | undefined {
    return this.connections;
  }

  /**
   * Returns the cached value, or loads it once (concurrent callers share one load) and caches it. With
   * `staleSeconds`, an entry past its TTL is returned at once while one caller reloads it in the background.
   * The value is what its JSON parses to, deep-frozen and shared with other readers: hit or miss, a reader gets
   * the same plain data (dates as strings) and cannot change it.
   */
  async getOrLoad<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const startedAt = this.sequence;
    const cached = await this.lookup(key);
    if (cached) {
      if (cached.entry.freshUntil < Date.now() && !this.inflight.has(key)) {
        this.loadOnce(key, load, startedAt).catch((error: unknown) => this.warn('revalidate', error));
      }
      return valueOf<T>(cached.entry);
    }
    return this.loadOnce(key, load, startedAt);
  }

  async get<T>(key: string): Promise<{ value: T; tier: CacheTier } | undefined> {
    const cached = await this.lookup(key);
    return cached && { value: valueOf<T>(cached.entry), tier: cached.tier };
  }

  /** Stores the value in both tiers and tells every other instance to drop its local copy. */
  async set<T>(key: string, value: T): Promise<void> {
    await this.store(key, value);
    await this.announce(key);
  }

  /** Removes the key here, in Redis, and (through pub/sub) in every other instance's local tier. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    await this.redisCall('invalidate', (redis) => redis.del(this.prefix + key));
    await this.announce(key);
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

  /**
   * Resolves once every invalidation Redis delivered to this instance before the call has been applied: the
   * answer to a PING on the subscriber connection comes after the messages queued ahead of it.
   */
  async syncInvalidations(): Promise<void> {
    await this.subscriber?.ping().catch(() => undefined);
  }

  /** Runs one Redis command behind the cache's circuit breaker; `{ ok: false }` when Redis is absent or failing. */
  async redisCall<T>(operation: string, call: (redis: RedisClient) => Promise<T>): Promise<RedisOutcome<T>> {
    const redis = this.redis;
    if (!redis) return { ok: false };
    const started = performance.now();
    try {
      const value = await this.breaker.execute(() => {
        if (redis.status !== 'ready') throw new Error('not connected');
        return call(redis);
      });
      this.metrics.duration.record(performance.now() - started, { tier: 'redis', operation });
      return { ok: true, value };
    } catch (error) {
      if (!(error instanceof BrokenCircuitError)) this.warn(operation, error);
      return { ok: false };
    }
  }

  private async lookup(key: string): Promise<{ entry: Entry; tier: CacheTier } | undefined> {
    const local = this.local?.get(key);
    if (this.local) this.metrics.lookups.add(1, { tier: 'local', result: local ? 'hit' : 'miss' });
    if (local) return { entry: local, tier: 'local' };
    if (!this.redis) return undefined;
    const raw = await this.redisCall('get', (redis) => redis.get(this.prefix + key));
    if (!raw.ok) {
      this.metrics.lookups.add(1, { tier: 'redis', result: 'error' });
      return undefined;
    }
    const entry = raw.value === null ? undefined : decode(raw.value);
    this.metrics.lookups.add(1, { tier: 'redis', result: entry ? 'hit' : 'miss' });
    if (!entry) return undefined;
    this.local?.set(key, entry);
    return { entry, tier: 'redis' };
  }

  private loadOnce<T>(key: string, load: () => Promise<T | undefined>, startedAt: number): Promise<T | undefined> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T | undefined>;
    const loading = load()
      .then(async (value) => {
        if (value === undefined) return undefined;
        // A write invalidated the key after we started: the value may predate it, so do not cache it.
        const invalidated = (this.invalidatedAt.get(key) ?? -1) > startedAt;
        return valueOf<T>(invalidated ? { json: JSON.stringify(value), freshUntil: 0 } : await this.store(key, value));
      })
      .finally(() => {
        if (this.inflight.get(key) === loading) this.inflight.delete(key);
      });
    this.inflight.set(key, loading);
    return loading;
  }

  private async store<T>(key: string, value: T): Promise<Entry> {
    const ttlMs = this.jitteredTtlSeconds() * 1000;
    const staleMs = (this.options.staleSeconds ?? 0) * 1000;
    const entry: Entry = { json: JSON.stringify(value), freshUntil: Date.now() + ttlMs };
    this.local?.set(key, entry);
    await this.redisCall('set', (redis) => redis.set(this.prefix + key, encode(entry), 'PX', ttlMs + staleMs));
    return entry;
  }

  private async announce(key: string): Promise<void> {
    await this.redisCall('publish', (redis) => redis.publish(this.channel, `${this.instanceId}|${key}`));
  }

  private receive(message: string): void {
    const bar = message.indexOf('|');
    if (bar < 0 || message.slice(0, bar) === this.instanceId) return;
    this.forget(message.slice(bar + 1));
  }

  /** Drops the key from this instance and marks loads already under way as stale. */
  private forget(key: string): void {
    this.sequence += 1;
    this.invalidatedAt.set(key, this.sequence);
    this.inflight.delete(key);
    this.local?.delete(key);
  }

  private iamSigner(aws?: AwsClientFactory): (() => Promise<string>) | undefined {
    const iam = this.options.iamAuth;
    if (!iam) return undefined;
    if (iam.signer) return iam.signer;
    if (!aws) throw new Error('REDIS_IAM_AUTH needs AwsModule (shared credentials) or iamAuth.signer');
    return elastiCacheTokenSigner({
      cacheName: iam.cacheName,
      userId: iam.userId,
      serverless: iam.serverless,
      region: iam.region ?? aws.settings.region,
      credentials: aws.credentials.provider,
    });
  }

  private jitteredTtlSeconds(): number {
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

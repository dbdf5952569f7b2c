import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './cache.connection';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { CacheService } from './cache.service';

/** Receives the messages of one channel. */
export interface BusListener {
  /** A message published by any instance; this instance's own messages arrive synchronously, once. */
  message(message: string): void;
  /** Called each time the Redis subscription is (re)established: reload whatever may have been missed meanwhile. */
  resync?(): void;
}

/** Redis is configured but not reachable: the message or stamp reached this instance only. */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

interface Envelope {
  /** Publishing instance, so an instance skips its own echo. */
  o: string;
  m: string;
}

/**
 * Cross-instance signalling over the cache room's Redis: broadcast messages (pub/sub) and shared timestamp sets
 * (one sorted set per key, entries pruned after their TTL). Without REDIS_URL both work in-process only.
 * Reads and writes throw BusUnavailableError while a configured Redis is down; callers decide how to degrade.
 */
@Injectable()
export class CacheBus implements OnApplicationShutdown {
  private readonly logger = new Logger(CacheBus.name);
  private readonly instanceId = randomUUID();
  private readonly prefix: string;
  private readonly listeners = new Map<string, BusListener[]>();
  private readonly localStamps = new Map<string, Map<string, number>>();
  private readonly redis?: RedisClient;
  private readonly subscriber?: RedisClient;
  private lastWarning = 0;

  constructor(
    @Optional() @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions = {},
    @Optional() cache?: CacheService,
  ) {
    this.prefix = options.keyPrefix ?? 'navius:';
    // The cache room's connections: standalone or cluster, TLS, AUTH or IAM tokens, READONLY handling alike.
    const connections = cache?.redisConnections;
    if (!connections) return;
    this.redis = connections.create('navius-bus');
    this.subscriber = connections.create('navius-bus-subscriber', { subscriber: true });
    this.redis.on('error', (error: Error) => this.warn('connection', error));
    this.subscriber.on('error', (error: Error) => this.warn('connection', error));
    this.subscriber.on('message', (channel: string, raw: string) => this.deliverRemote(channel, raw));
    // Subscriptions are re-made on every (re)connect, then listeners resync what the gap may have hidden.
    this.subscriber.on('ready', () => void this.subscribeAll());
  }

  /** True when messages and stamps reach other instances (REDIS_URL is set). */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  /** Listens on a channel from now on; with Redis, resync runs once the subscription is live. */
  listen(channel: string, listener: BusListener): void {
    const list = this.listeners.get(channel) ?? [];
    list.push(listener);
    this.listeners.set(channel, list);
    if (this.subscriber?.status === 'ready') void this.subscribeAll([channel]);
  }

  /** Delivers to this instance's listeners now, then to every other instance through Redis. */
  async broadcast(channel: string, message: string): Promise<void> {
    for (const listener of this.listeners.get(channel) ?? []) listener.message(message);
    if (!this.redis) return;
    const envelope: Envelope = { o: this.instanceId, m: message };
    await this.command('publish', (redis) => redis.publish(this.prefix + channel, JSON.stringify(envelope)));
  }

  /** Records `member` at `atMs` (keeping the later of two stamps) in the shared set `key`, kept `ttlMs`. */
  async stamp(key: string, member: string, atMs: number, ttlMs: number): Promise<void> {
    const cutoff = Date.now() - ttlMs;
    if (!this.redis) {
      const stamps = this.localStamps.get(key) ?? new Map<string, number>();
      for (const [name, at] of stamps) if (at < cutoff) stamps.delete(name);
      stamps.set(member, Math.max(atMs, stamps.get(member) ?? 0));
      this.localStamps.set(key, stamps);
      return;
    }
    const results = await this.command('stamp', (redis) =>
      redis
        .multi()
        .zadd(this.prefix + key, 'GT', atMs, member)
        .zremrangebyscore(this.prefix + key, '-inf', `(${cutoff}`)
        .pexpire(this.prefix + key, ttlMs)
        .exec(),
    );
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw new BusUnavailableError(`redis stamp failed: ${failed.message}`, { cause: failed });
  }

  /** Every member of the shared set `key` stamped at or after `sinceMs`, with its stamp. */
  async readStamps(key: string, sinceMs: number): Promise<Map<string, number>> {
    if (!this.redis) {
      const stamps = this.localStamps.get(key) ?? new Map<string, number>();
      return new Map([...stamps].filter(([, at]) => at >= sinceMs));
    }
    const flat = await this.command('read', (redis) =>
      redis.zrangebyscore(this.prefix + key, sinceMs, '+inf', 'WITHSCORES'),
    );
    const stamps = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) stamps.set(String(flat[i]), Number(flat[i + 1]));
    return stamps;
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
    this.subscriber?.disconnect();
  }

  private async command<T>(operation: string, run: (redis: RedisClient) => Promise<T>): Promise<T> {
    if (!this.redis || this.redis.status !== 'ready') {
      throw new BusUnavailableError(`redis ${operation} failed: not connected`);
    }
    try {
      return await run(this.redis);
    } catch (error) {
      throw new BusUnavailableError(`redis ${operation} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private async subscribeAll(channels = [...this.listeners.keys()]): Promise<void> {
    if (!this.subscriber || channels.length === 0) return;
    try {
      await this.subscriber.subscribe(...channels.map((channel) => this.prefix + channel));
    } catch (error) {
      this.warn('subscribe', error);
      return;
    }
    for (const channel of channels) for (const listener of this.listeners.get(channel) ?? []) listener.resync?.();
  }

  private deliverRemote(prefixedChannel: string, raw: string): void {
    if (!prefixedChannel.startsWith(this.prefix)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (envelope.o === this.instanceId || typeof envelope.m !== 'string') return;
    const channel = prefixedChannel.slice(this.prefix.length);
    for (const listener of this.listeners.get(channel) ?? []) listener.message(envelope.m);
  }

  // Redis outages are expected and survivable: log at most one warning every 10 s.
  private warn(operation: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(`redis bus ${operation} failed: ${(error as Error).message}`);
  }
}

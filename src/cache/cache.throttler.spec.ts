import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/services';
import { CacheService } from './cache.service';
import { CacheThrottlerStorage } from './cache.throttler';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('CacheThrottlerStorage', () => {
  const caches: CacheService[] = [];
  const keyPrefix = `throttle-${randomUUID()}:`;

  async function storage(redisUrl = REDIS_URL): Promise<CacheThrottlerStorage> {
    const cache = new CacheService({ redisUrl, keyPrefix });
    caches.push(cache);
    await cache.onModuleInit();
    return new CacheThrottlerStorage(cache);
  }

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => Promise.all(caches.map((cache) => cache.onApplicationShutdown())));

  it('counts one budget across instances, then blocks with the time left', async () => {
    const [a, b] = [await storage(), await storage()];
    await waitFor(async () => (await caches[0]!.ping()) === 'up' && (await caches[1]!.ping()) === 'up', 'redis');
    const hit = (store: CacheThrottlerStorage, key = 'user:t:o') => store.increment(key, 60_000, 5, 30_000, 'default');
    const seen = [];
    for (const store of [a, b, a, b, a]) seen.push(await hit(store));
    expect(seen.map((record) => [record.totalHits, record.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(seen[0]!.timeToExpire).toBeGreaterThan(50);
    expect(seen[0]!.timeToExpire).toBeLessThanOrEqual(60);

    const refused = await hit(b);
    expect(refused).toMatchObject({ totalHits: 6, isBlocked: true });
    expect(refused.timeToBlockExpire).toBeGreaterThan(20);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(30);
    expect((await hit(a)).isBlocked).toBe(true);
    // Another caller has a budget of its own.
    expect(await hit(a, 'user:t:other')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('sends the script once per connection, then only its SHA1, and recovers when Redis forgets it', async () => {
    const store = await storage();
    const cache = caches.at(-1)!;
    await waitFor(async () => (await cache.ping()) === 'up', 'redis');
    const id = await cache.redisCall('test', (redis) => redis.client('ID'));
    const observer = new Redis(REDIS_URL);
    const lastCommand = async () =>
      /\bcmd=(\S+)/.exec((await observer.client('LIST', 'ID', String(id.ok && id.value))) as string)?.[1];
    try {
      const hit = () => store.increment('user:t:script', 60_000, 100, 30_000, 'default');
      expect((await hit()).totalHits).toBe(1);
      expect(await lastCommand()).toBe('eval');
      expect((await hit()).totalHits).toBe(2);
      expect(await lastCommand()).toBe('evalsha');
      // A restarted or flushed Redis answers NOSCRIPT: the script is sent again and the count goes on.
      await observer.script('FLUSH');
      expect((await hit()).totalHits).toBe(3);
      expect(await lastCommand()).toBe('eval');
      expect((await hit()).totalHits).toBe(4);
      expect(await lastCommand()).toBe('evalsha');
    } finally {
      observer.disconnect();
    }
  });

  it('still limits, per instance, while Redis is unreachable', async () => {
    const alone = await storage('redis://127.0.0.1:1');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await alone.increment('ip:1.2.3.4', 60_000, 2, 60_000, 'default'));
    expect(results.map((record) => record.isBlocked)).toEqual([false, false, true]);
    expect(results[2]!.timeToBlockExpire).toBeGreaterThan(0);
  });
});

import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheService } from './cache.service';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function started(options: ConstructorParameters<typeof CacheService>[0]): Promise<CacheService> {
  const cache = new CacheService(options);
  await cache.onModuleInit();
  return cache;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met');
}

describe('CacheService', () => {
  const open: CacheService[] = [];
  let raw: Redis;
  beforeAll(() => {
    Logger.overrideLogger(false);
    raw = new Redis(REDIS_URL);
  });
  afterAll(() => raw.disconnect());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.onApplicationShutdown()));
  });

  it('loads once for concurrent callers and serves later reads from the local tier', async () => {
    const cache = await started({});
    open.push(cache);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { value: 42 };
    };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cache.getOrLoad('k', load)));
    expect(results).toEqual(Array(5).fill({ value: 42 }));
    expect(loads).toBe(1);
    expect((await cache.get('k'))?.tier).toBe('local');
  });

  it('gives every reader the same frozen plain data, on a miss and on a hit, from either tier', async () => {
    const keyPrefix = `frozen-${randomUUID()}:`;
    const [a, b] = [
      await started({ redisUrl: REDIS_URL, keyPrefix }),
      await started({ redisUrl: REDIS_URL, keyPrefix }),
    ];
    open.push(a, b);
    await until(async () => (await a.ping()) === 'up' && (await b.ping()) === 'up');
    const loaded = { at: new Date('2026-11-28T08:00:00Z'), tags: ['x'], nested: { n: 1 } };
    const plain = { at: '2026-11-28T08:00:00.000Z', tags: ['x'], nested: { n: 1 } };
    const miss = await a.getOrLoad('doc', async () => loaded);
    const hit = await a.getOrLoad('doc', async () => loaded);
    const fromRedis = await b.getOrLoad('doc', async (): Promise<typeof loaded | undefined> => undefined);
    for (const value of [miss, hit, fromRedis]) {
      expect(value).toEqual(plain);
      expect(Object.isFrozen(value) && Object.isFrozen(value?.tags) && Object.isFrozen(value?.nested)).toBe(true);
      expect(() => (value as { nested: { n: number } }).nested.n++).toThrow(TypeError);
    }
    // Parsed once per entry: the local tier's readers share one object.
    expect(hit).toBe(miss);
    expect(await b.getOrLoad('doc', async (): Promise<typeof loaded | undefined> => undefined)).toBe(fromRedis);
    expect((await a.get('doc'))?.value).toEqual(plain);
    expect(loaded.tags).toEqual(['x']);
    expect(Object.isFrozen(loaded)).toBe(false);
  });

  it('does not cache a value loaded before a concurrent invalidation', async () => {
    const cache = await started({});
    open.push(cache);
    let release!: () => void;
    const loading = cache.getOrLoad('doc', () => new Promise<string>((resolve) => (release = () => resolve('old'))));
    await cache.invalidate('doc');
    release();
    expect(await loading).toBe('old');
    expect(await cache.get('doc')).toBeUndefined();
  });

  it('shares entries through Redis and invalidates every instance', async () => {
    const keyPrefix = `spec-${randomUUID()}:`;
    const a = await started({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 60_000 });
    const b = await started({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 60_000 });
    open.push(a, b);
    await until(async () => (await a.ping()) === 'up' && (await b.ping()) === 'up');
    await a.set('shared', { n: 1 });
    expect(await b.get('shared')).toEqual({ value: { n: 1 }, tier: 'redis' });
    expect((await b.get('shared'))?.tier).toBe('local');

    await a.invalidate('shared');
    await until(async () => (await b.get('shared')) === undefined);
  });

  it('keeps serving through the loader when Redis is unreachable', async () => {
    const cache = await started({ redisUrl: 'redis://127.0.0.1:1', localMaxEntries: 0 });
    open.push(cache);
    expect(await cache.getOrLoad('x', async () => 'from-database')).toBe('from-database');
    expect(await cache.ping()).toBe('down');
  });

  it("drops another instance's local copy on invalidate and on set, before a round trip on its own connection", async () => {
    const keyPrefix = `spec-${randomUUID()}:`;
    const a = await started({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 600_000 });
    const b = await started({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 600_000 });
    open.push(a, b);
    await until(async () => (await a.ping()) === 'up' && (await b.ping()) === 'up');
    await until(async () => (await raw.pubsub('NUMSUB', `${keyPrefix}invalidate`))[1] === 2);
    for (let round = 0; round < 20; round++) {
      await a.set('hot', round);
      await b.syncInvalidations();
      expect(await b.get('hot')).toEqual({ value: round, tier: 'redis' });
      expect(await b.get('hot')).toEqual({ value: round, tier: 'local' });
      await a.invalidate('hot');
      // No polling: the message reached b before the answer to its own PING did.
      await b.syncInvalidations();
      expect(await b.get('hot')).toBeUndefined();
    }
  });

  it('serves a stale entry at once and reloads it with one loader call (stale-while-revalidate)', async () => {
    const keyPrefix = `spec-${randomUUID()}:`;
    const cache = await started({ redisUrl: REDIS_URL, keyPrefix, staleSeconds: 60, localMaxEntries: 0 });
    open.push(cache);
    await until(async () => (await cache.ping()) === 'up');
    // An entry that went stale a while ago, as another instance would have left it.
    await raw.set(`${keyPrefix}doc`, `${Date.now() - 1_000}|"old"`, 'PX', 60_000);
    let loads = 0;
    let release!: () => void;
    const load = () =>
      new Promise<string>((resolve) => {
        loads++;
        release = () => resolve('new');
      });
    expect(await Promise.all([cache.getOrLoad('doc', load), cache.getOrLoad('doc', load)])).toEqual(['old', 'old']);
    expect(loads).toBe(1);
    release();
    await until(async () => (await cache.get('doc'))?.value === 'new');
    expect(await raw.pttl(`${keyPrefix}doc`)).toBeGreaterThan(60_000);
    expect(loads).toBe(1);
  });

  it('keeps shared entries for the jittered TTL, and the stale window on top', async () => {
    const keyPrefix = `spec-${randomUUID()}:`;
    const cache = await started({ redisUrl: REDIS_URL, keyPrefix, ttlSeconds: 100, staleSeconds: 50 });
    open.push(cache);
    await until(async () => (await cache.ping()) === 'up');
    const ttls: number[] = [];
    for (let i = 0; i < 30; i++) {
      await cache.set(`k${i}`, i);
      ttls.push(await raw.pttl(`${keyPrefix}k${i}`));
    }
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(50_000 + 89_000);
      expect(ttl).toBeLessThanOrEqual(50_000 + 110_000);
    }
    expect(new Set(ttls.map((ttl) => Math.round(ttl / 1000))).size).toBeGreaterThan(1);
  });

  it('reads Redis memory and evictions from INFO', async () => {
    const cache = await started({ redisUrl: REDIS_URL, keyPrefix: `spec-${randomUUID()}:`, localMaxEntries: 2 });
    open.push(cache);
    await until(async () => (await cache.ping()) === 'up');
    const redis = await cache.redisCall('info', async (client) => cache.metrics.readInfo(client));
    expect(redis.ok && redis.value.usedMemoryBytes).toBeGreaterThan(0);
    expect(cache.metrics.info?.evictedKeys).toBeGreaterThanOrEqual(0);
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
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
});

import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusUnavailableError, CacheBus } from './cache.bus';
import { startRedisCluster, waitFor } from '../../test/support/services';
import { CacheService } from './cache.service';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `t-bus-${randomUUID()}:`;
const buses: CacheBus[] = [];
const caches: CacheService[] = [];
let redis: Redis;

function bus(
  options: { redisUrl?: string; keyPrefix?: string; cluster?: boolean } = { redisUrl: REDIS_URL, keyPrefix: prefix },
): CacheBus {
  // The bus rides on the cache room's connections, as CacheModule wires it.
  const cache = options.redisUrl ? new CacheService(options) : undefined;
  if (cache) caches.push(cache);
  const created = new CacheBus(options, cache);
  buses.push(created);
  return created;
}

/** Records messages and resyncs of one channel. */
function recorder() {
  const seen = { messages: [] as string[], resyncs: 0 };
  return { seen, listener: { message: (m: string) => seen.messages.push(m), resync: () => void seen.resyncs++ } };
}

beforeAll(() => {
  Logger.overrideLogger(false);
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await Promise.all(buses.map((b) => b.onApplicationShutdown()));
  await Promise.all(caches.map((c) => c.onApplicationShutdown()));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('CacheBus over Redis', () => {
  it('delivers a broadcast to every instance once, its own synchronously, after a resync on subscribe', async () => {
    const [a, b] = [bus(), bus()];
    const [onA, onB] = [recorder(), recorder()];
    a.listen('news', onA.listener);
    b.listen('news', onB.listener);
    await expect.poll(() => onA.seen.resyncs + onB.seen.resyncs, { timeout: 10_000 }).toBe(2);
    expect(a.shared).toBe(true);

    const sent = a.broadcast('news', 'hello');
    expect(onA.seen.messages).toEqual(['hello']);
    await sent;
    await expect.poll(() => onB.seen.messages, { timeout: 10_000 }).toEqual(['hello']);
    await b.broadcast('other-channel', 'not for news');
    await b.broadcast('news', 'back');
    await expect.poll(() => onA.seen.messages, { timeout: 10_000 }).toEqual(['hello', 'back']);
    expect(onB.seen.messages).toEqual(['hello', 'back']);
  });

  it('shares stamps: the later stamp wins, entries past their TTL are pruned, the key expires', async () => {
    const [a, b] = [bus(), bus()];
    await expect
      .poll(
        async () =>
          a.stamp('stamps', 'warm', Date.now(), 60_000).then(
            () => true,
            () => false,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    const now = Date.now();
    await a.stamp('stamps', 'user-1', now, 60_000);
    await b.stamp('stamps', 'user-1', now - 5_000, 60_000);
    await b.stamp('stamps', 'user-2', now - 30_000, 60_000);
    await a.stamp('stamps', 'old', now - 120_000, 60_000);
    const read = await b.readStamps('stamps', now - 60_000);
    expect(read.get('user-1')).toBe(now);
    expect(read.get('user-2')).toBe(now - 30_000);
    expect(read.has('old')).toBe(false);
    expect((await a.readStamps('stamps', now - 10_000)).has('user-2')).toBe(false);
    expect(await redis.zscore(`${prefix}stamps`, 'old')).toBeNull();
    const ttl = await redis.pttl(`${prefix}stamps`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('throws BusUnavailableError while Redis is unreachable, yet still delivers to this instance', async () => {
    const down = bus({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: prefix });
    const local = recorder();
    down.listen('news', local.listener);
    await expect(down.broadcast('news', 'only here')).rejects.toBeInstanceOf(BusUnavailableError);
    expect(local.seen.messages).toEqual(['only here']);
    await expect(down.stamp('stamps', 'x', Date.now(), 1_000)).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(down.readStamps('stamps', 0)).rejects.toBeInstanceOf(BusUnavailableError);
    expect(local.seen.resyncs).toBe(0);
  });
});

describe('CacheBus without Redis', () => {
  it('works in-process: broadcast to local listeners, stamps kept with the same rules', async () => {
    const alone = bus({});
    expect(alone.shared).toBe(false);
    const local = recorder();
    alone.listen('news', local.listener);
    await alone.broadcast('news', 'm');
    expect(local.seen.messages).toEqual(['m']);
    const now = Date.now();
    await alone.stamp('s', 'a', now, 60_000);
    await alone.stamp('s', 'a', now - 1, 60_000);
    await alone.stamp('s', 'gone', now - 120_000, 60_000);
    const read = await alone.readStamps('s', now - 60_000);
    expect([...read]).toEqual([['a', now]]);
  });
});

describe('CacheBus over a Redis cluster (ElastiCache cluster mode)', () => {
  it('broadcasts and keeps shared stamps through the cache room cluster client', async () => {
    const cluster = await startRedisCluster(3);
    const options = { redisUrl: `redis://127.0.0.1:${cluster.nodes[0]!.port}`, keyPrefix: prefix, cluster: true };
    const [a, b] = [bus(options), bus(options)];
    try {
      const seen = recorder();
      b.listen('sessions', seen.listener);
      await waitFor(async () => seen.seen.resyncs > 0, 'the subscription on the cluster');
      await waitFor(async () => {
        await a.broadcast('sessions', 'revoke:1').catch(() => undefined);
        return seen.seen.messages.includes('revoke:1');
      }, 'a broadcast across the cluster');
      const at = Date.now();
      await a.stamp('revocations', 'tenant/user', at, 60_000);
      expect(await b.readStamps('revocations', 0)).toEqual(new Map([['tenant/user', at]]));
    } finally {
      await Promise.all([a, b].map((x) => x.onApplicationShutdown()));
      await cluster.destroy();
    }
  });
});

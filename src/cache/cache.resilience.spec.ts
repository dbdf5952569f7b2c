import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startRedis,
  startRedisCluster,
  startTcpProxy,
  waitFor,
  type RedisClusterServers,
  type RedisServer,
  type TcpProxy,
} from '../../test/support/services';
import type { CacheModuleOptions } from './cache.module-definition';
import { CacheService } from './cache.service';

const open: CacheService[] = [];

async function started(options: CacheModuleOptions): Promise<CacheService> {
  const cache = new CacheService({ keyPrefix: `spec-${randomUUID()}:`, ...options });
  open.push(cache);
  await cache.onModuleInit();
  await waitFor(async () => (await cache.ping()) === 'up', 'redis up');
  return cache;
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(async () => {
  await Promise.all(open.map((cache) => cache.onApplicationShutdown()));
});

describe('CacheService when its Redis stops and starts', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await startRedis()));
  afterAll(async () => server.destroy());

  it('keeps answering from the loader, opens its circuit, and uses Redis again once it is back', async () => {
    const cache = await started({ redisUrl: server.url, localMaxEntries: 0, circuitHalfOpenMs: 300 });
    const load = async () => 'from-database';
    expect(await cache.getOrLoad('k', load)).toBe('from-database');
    expect(await cache.get('k')).toEqual({ value: 'from-database', tier: 'redis' });

    await server.stop();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.getOrLoad(`k${i}`, load)));
    expect(answers).toEqual(Array(50).fill('from-database'));
    expect(cache.circuit).toBe('open');
    expect(await cache.get('k')).toBeUndefined();

    await server.start();
    await waitFor(async () => {
      await cache.getOrLoad('after', load);
      return (await cache.get('after'))?.tier === 'redis';
    }, 'redis used again');
    expect(cache.circuit).toBe('closed');
  });
});

describe('CacheService across a primary/replica failover (READONLY)', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  let endpoint: TcpProxy;

  beforeAll(async () => {
    primary = await startRedis();
    replica = await startRedis(['--replicaof', '127.0.0.1', '0']);
    const admin = new Redis(replica.url);
    await admin.replicaof('127.0.0.1', primary.port);
    admin.disconnect();
    endpoint = await startTcpProxy(primary.port);
  });
  afterAll(async () => {
    await endpoint.close();
    await Promise.all([primary.destroy(), replica.destroy()]);
  });

  it('reconnects to the new primary when the old one answers READONLY, and the write lands there', async () => {
    const cache = await started({ redisUrl: `redis://127.0.0.1:${endpoint.port}`, localMaxEntries: 0 });
    await cache.set('before', 1);

    const [oldPrimary, newPrimary] = [new Redis(primary.url), new Redis(replica.url)];
    await newPrimary.replicaof('NO', 'ONE');
    await oldPrimary.replicaof('127.0.0.1', replica.port);
    // The endpoint's name now leads to the promoted replica; the cache's open connection still reaches the old one.
    endpoint.retarget(replica.port);
    await expect(oldPrimary.set('probe', 'x')).rejects.toThrow(/READONLY/);

    const written = await cache.redisCall('set', (redis) => redis.set(`${cache.keyPrefix}after`, '2'));
    expect(written).toEqual({ ok: true, value: 'OK' });
    expect(await newPrimary.get(`${cache.keyPrefix}after`)).toBe('2');
    oldPrimary.disconnect();
    newPrimary.disconnect();
  });
});

describe('CacheService on a 3-master Redis cluster', () => {
  let cluster: RedisClusterServers;
  beforeAll(async () => (cluster = await startRedisCluster(3)));
  afterAll(async () => cluster.destroy());

  it('spreads keys over the masters, survives a killed node, and recovers when it returns', async () => {
    const [seed] = cluster.seeds;
    const cache = await started({
      redisUrl: `redis://127.0.0.1:${seed!.port}`,
      cluster: true,
      localMaxEntries: 0,
      circuitHalfOpenMs: 300,
    });
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    for (const key of keys) await cache.set(key, key);
    const perNode = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = new Redis(node.url);
        const count = await client.dbsize();
        client.disconnect();
        return count;
      }),
    );
    expect(perNode.filter((count) => count > 0)).toHaveLength(3);
    for (const key of keys) expect(await cache.get(key)).toEqual({ value: key, tier: 'redis' });

    const victim = cluster.nodes[2]!;
    await victim.stop();
    const load = async () => 'from-database';
    const answers = await Promise.all(keys.map((key) => cache.getOrLoad(key, load)));
    // Every read is answered: from Redis where the slot's master lives, from the loader where it died.
    for (const [i, answer] of answers.entries()) expect([keys[i], 'from-database']).toContain(answer);

    await victim.start();
    await waitFor(async () => {
      for (const key of keys) await cache.set(key, key);
      const tiers = await Promise.all(keys.map(async (key) => (await cache.get(key))?.tier));
      return tiers.every((tier) => tier === 'redis');
    }, 'every slot served again');
  });
});

import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type RedisServer } from '../../test/support/services';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { elastiCacheTokenSigner } from './cache.iam';
import { CacheService } from './cache.service';

describe('elastiCacheTokenSigner', () => {
  const aws = AwsClientFactory.standalone({
    region: 'eu-west-1',
    credentials: { static: { accessKeyId: 'AKIDEXAMPLEEXAMPLE01', secretAccessKey: 'not-a-real-secret' } },
  });

  it('presigns elasticache connect for the cache and user, valid 900 s, without a scheme', async () => {
    const token = await elastiCacheTokenSigner({
      cacheName: 'navius-cache',
      userId: 'navius-app',
      region: 'eu-west-1',
      credentials: aws.credentials.provider,
    })();
    expect(token.startsWith('navius-cache/?')).toBe(true);
    const url = new URL(`http://${token}`);
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('User')).toBe('navius-app');
    expect(url.searchParams.has('ResourceType')).toBe(false);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLEEXAMPLE01\/\d{8}\/eu-west-1\/elasticache\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks a serverless cache', async () => {
    const token = await elastiCacheTokenSigner({
      cacheName: 'navius-serverless',
      userId: 'navius-app',
      region: 'eu-west-1',
      serverless: true,
      credentials: aws.credentials.provider,
    })();
    expect(new URL(`http://${token}`).searchParams.get('ResourceType')).toBe('ServerlessCache');
  });
});

describe('CacheService with IAM auth against a Redis that demands a user and token (ACL)', () => {
  let server: RedisServer;
  let admin: Redis;
  let cache: CacheService;
  let signed = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startRedis();
    admin = new Redis(server.url);
    await admin.acl('SETUSER', 'navius-app', 'on', '~*', '&*', '+@all');
    // The stand-in signer: each token it hands out becomes a valid password of the user, as IAM would accept it.
    cache = new CacheService({
      redisUrl: server.url,
      keyPrefix: `iam-${randomUUID()}:`,
      localMaxEntries: 0,
      iamAuth: {
        userId: 'navius-app',
        cacheName: 'navius-cache',
        signer: async () => {
          signed++;
          await admin.acl('SETUSER', 'navius-app', `>token-${signed}`);
          return `token-${signed}`;
        },
      },
    });
    await cache.onModuleInit();
  });

  afterAll(async () => {
    await cache.onApplicationShutdown();
    admin.disconnect();
    await server.destroy();
  });

  async function authCalls(): Promise<number> {
    const stats = await admin.info('commandstats');
    return Number(/^cmdstat_auth:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
  }

  it('connects as the IAM user with a signed token', async () => {
    await waitFor(async () => (await cache.ping()) === 'up', 'cache connected');
    await waitFor(async () => (await admin.pubsub('NUMSUB', `${cache.keyPrefix}invalidate`))[1] === 1, 'subscribed');
    await cache.set('k', 'v');
    expect(await cache.get('k')).toEqual({ value: 'v', tier: 'redis' });
    const clients = await admin.client('LIST');
    expect(String(clients)).toMatch(/name=navius-cache .*user=navius-app/);
    expect(signed).toBe(1);
  });

  it('re-authenticates live connections with each new token, and reconnects with the newest', async () => {
    const before = await authCalls();
    await cache.redisConnections!.refreshCredentials();
    expect(signed).toBe(2);
    // The command connection re-authenticated in place (the subscriber cannot: it picks the token up on reconnect).
    expect((await authCalls()) - before).toBe(1);

    // Only the newest token works from now on, and every connection is cut: reconnecting needs token-2.
    await admin.acl('SETUSER', 'navius-app', '<token-1');
    await admin.client('KILL', 'USER', 'navius-app');
    await waitFor(async () => (await cache.ping()) === 'up', 'cache reconnected');
    await cache.set('k2', 'v2');
    expect(await cache.get('k2')).toEqual({ value: 'v2', tier: 'redis' });
    await waitFor(
      async () => (await admin.pubsub('NUMSUB', `${cache.keyPrefix}invalidate`))[1] === 1,
      'subscriber reconnected with the new token',
    );
  });
});

import { ThrottlerModule, ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { DynamicModule } from '@nestjs/common';
import type { RedisClient } from './cache.connection';
import { CacheService } from './cache.service';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key, atomically: count the hit, start the window on the first one, and once the count passes
 * the limit mark the key blocked for the block duration. KEYS share a hash tag, so they live on one cluster slot.
 * Returns {hits, window ms left, blocked 0/1, block ms left}.
 */
const INCREMENT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or ARGV[2]) + 1, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  windowLeft = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, windowLeft, 1, tonumber(ARGV[3])}
end
return {hits, windowLeft, 0, 0}
`;

/** The script as an ioredis command: EVAL once per connection, then EVALSHA (EVAL again after a NOSCRIPT). */
const THROTTLE_COMMAND = 'naviusThrottleIncrement';
type ThrottleArgs = [hitsKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number];
type ThrottleCommand = (...args: ThrottleArgs) => Promise<unknown>;

function runThrottleScript(redis: RedisClient, ...args: ThrottleArgs): Promise<unknown> {
  const client = redis as RedisClient & { [THROTTLE_COMMAND]?: ThrottleCommand };
  if (!client[THROTTLE_COMMAND]) redis.defineCommand(THROTTLE_COMMAND, { numberOfKeys: 2, lua: INCREMENT });
  return (client[THROTTLE_COMMAND] as ThrottleCommand).call(redis, ...args);
}

/**
 * @nestjs/throttler storage over the cache room's Redis, so every instance counts against one budget per caller.
 * While Redis is absent or failing, it counts in this process with the library's own in-memory storage: limits
 * then hold per instance instead of failing requests.
 */
export class CacheThrottlerStorage implements ThrottlerStorage {
  private readonly fallback = new ThrottlerStorageService();

  constructor(private readonly cache: CacheService) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.cache.keyPrefix}throttle:{${throttlerName}:${key}}`;
    const counted = await this.cache.redisCall('throttle', (redis) =>
      runThrottleScript(redis, `${base}:hits`, `${base}:block`, ttl, limit, blockDuration),
    );
    if (!counted.ok) return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    const [hits, windowLeftMs, blocked, blockLeftMs] = (counted.value as number[]).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(windowLeftMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeftMs / 1000),
    };
  }
}

/** `limit` requests per caller per `windowSeconds`, counted in Redis (shared by every instance). */
export function rateLimitModule(limits: { limit: number; windowSeconds: number }): DynamicModule {
  return ThrottlerModule.forRootAsync({
    inject: [CacheService],
    useFactory: (cache: CacheService) => ({
      throttlers: [{ name: 'default', limit: limits.limit, ttl: limits.windowSeconds * 1000 }],
      storage: new CacheThrottlerStorage(cache),
    }),
  });
}

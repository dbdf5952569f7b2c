import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { Cluster } from 'ioredis';
import { TalliedCounter } from '../observability/tallied-counter';
import type { RedisClient } from './cache.connection';

/** What Redis INFO said last: summed over the masters in cluster mode. */
export interface RedisInfo {
  usedMemoryBytes: number;
  evictedKeys: number;
}

function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/**
 * The cache room's metrics (names from the catalogue): lookups by tier and result, Redis command latency,
 * evictions by tier, and Redis memory read from INFO.
 */
export class CacheMetrics {
  readonly lookups: TalliedCounter<'tier' | 'result'>;
  readonly duration: Histogram;
  readonly evictions: Counter;
  /** Last INFO reading; undefined until one succeeded. */
  info?: RedisInfo;
  private timer?: NodeJS.Timeout;

  constructor() {
    const meter = metrics.getMeter('navius');
    this.lookups = new TalliedCounter(meter, 'cache.requests', { description: 'Cache lookups by tier and result' }, [
      'tier',
      'result',
    ]);
    this.duration = meter.createHistogram('cache.duration', { unit: 'ms', description: 'Redis command latency' });
    this.evictions = meter.createCounter('cache.evictions', { description: 'Entries evicted for room, by tier' });
    meter
      .createObservableGauge('cache.redis.memory', { unit: 'By', description: 'Memory Redis uses (INFO used_memory)' })
      .addCallback((result) => {
        if (this.info) result.observe(this.info.usedMemoryBytes);
      });
  }

  /** Reads INFO now and every `intervalMs` after; failures are skipped (Redis is optional). */
  startInfoPolling(redis: RedisClient, intervalMs: number): void {
    if (intervalMs <= 0) return;
    void this.readInfo(redis).catch(() => undefined);
    this.timer = setInterval(() => void this.readInfo(redis).catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads INFO memory and stats; records the evictions since the previous reading. */
  async readInfo(redis: RedisClient): Promise<RedisInfo> {
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const texts = await Promise.all(
      nodes.map(async (node) => `${await node.info('memory')}\n${await node.info('stats')}`),
    );
    const reading: RedisInfo = {
      usedMemoryBytes: texts.reduce((sum, text) => sum + infoField(text, 'used_memory'), 0),
      evictedKeys: texts.reduce((sum, text) => sum + infoField(text, 'evicted_keys'), 0),
    };
    const evicted = this.info ? reading.evictedKeys - this.info.evictedKeys : 0;
    if (evicted > 0) this.evictions.add(evicted, { tier: 'redis' });
    this.info = reading;
    return reading;
  }
}

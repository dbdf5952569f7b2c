// npm run bench:cache — reads/s and p99 of one document read three ways, alternating in one run against the built
// dist/: straight from PostgreSQL, a Redis hit (in-process tier off), an in-process hit. Target: in-process ≥ 10 ×
// Redis hit. Also reports how long a cross-instance invalidation takes to reach another instance's in-process tier.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { median, ROOT, saveResults } from './support/harness.mts';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { Logger } = require('@nestjs/common') as typeof import('@nestjs/common');
const { CacheService } = require(
  join(ROOT, 'dist/cache/cache.service.js'),
) as typeof import('../src/cache/cache.service.ts');
const { DatabaseService } = require(
  join(ROOT, 'dist/database/database.service.js'),
) as typeof import('../src/database/database.service.ts');

Logger.overrideLogger(false);
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const concurrency = 32;
const ITEMS = 100;

interface Run {
  readsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** `concurrency` callers reading in a closed loop for `seconds`; every read's latency is kept. */
async function measure(read: (id: number) => Promise<unknown>): Promise<Run> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await read(next++ % ITEMS);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 1000) / 1000;
  return { readsPerSecond: Math.round(latencies.length / seconds), p50Ms: at(0.5), p99Ms: at(0.99) };
}

function summary(runs: Run[]): Run {
  return {
    readsPerSecond: median(runs.map((r) => r.readsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

const databaseName = `navius_bench_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${databaseName}`);
const database = new DatabaseService({
  connectionString: `postgres://postgres@127.0.0.1:5432/${databaseName}`,
  max: 10,
});
const keyPrefix = `bench-cache-${randomUUID()}:`;
const viaRedis = new CacheService({ redisUrl: REDIS_URL, keyPrefix, localMaxEntries: 0 });
const inProcess = new CacheService({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 600_000 });
const other = new CacheService({ redisUrl: REDIS_URL, keyPrefix, localTtlMs: 600_000 });

try {
  await Promise.all([viaRedis, inProcess, other].map((cache) => cache.onModuleInit()));
  await database.query({
    name: 'bench.setup',
    text: `CREATE TABLE items (id int PRIMARY KEY, document jsonb NOT NULL)`,
  });
  await database.query({
    name: 'bench.fill',
    text: `INSERT INTO items SELECT i, jsonb_build_object('id', i, 'name', 'document-' || i, 'size', i * 100)
           FROM generate_series(0, ${ITEMS - 1}) AS i`,
  });
  const load = async (id: number) =>
    (
      await database.read<{ document: unknown }>({
        name: 'bench.find',
        text: 'SELECT document FROM items WHERE id = $1',
        values: [id],
      })
    )[0]?.document;
  for (;;) {
    const ready = await Promise.all([viaRedis, inProcess, other].map((cache) => cache.ping()));
    if (ready.every((state) => state === 'up')) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Warm: every item in Redis and in the in-process tier, JIT and pools too.
  for (let id = 0; id < ITEMS; id++) await inProcess.getOrLoad(`item:${id}`, () => load(id));
  const scenarios = {
    databaseOnly: (id: number) => load(id),
    redisHit: (id: number) => viaRedis.getOrLoad(`item:${id}`, () => load(id)),
    inProcessHit: (id: number) => inProcess.getOrLoad(`item:${id}`, () => load(id)),
  };
  for (const read of Object.values(scenarios)) await measure(read);

  const runs: Record<keyof typeof scenarios, Run[]> = { databaseOnly: [], redisHit: [], inProcessHit: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, read] of Object.entries(scenarios))
      runs[name as keyof typeof scenarios].push(await measure(read));
  }

  // Invalidation reaching another instance: other holds the item locally; inProcess invalidates it.
  const propagation: number[] = [];
  for (let i = 0; i < 50; i++) {
    await other.getOrLoad('item:0', () => load(0));
    const started = performance.now();
    await inProcess.invalidate('item:0');
    while ((await other.get('item:0'))?.tier === 'local') await new Promise((resolve) => setImmediate(resolve));
    propagation.push(performance.now() - started);
  }
  propagation.sort((x, y) => x - y);

  const results = {
    databaseOnly: summary(runs.databaseOnly),
    redisHit: summary(runs.redisHit),
    inProcessHit: summary(runs.inProcessHit),
  };
  const ratio = results.inProcessHit.readsPerSecond / results.redisHit.readsPerSecond;
  const report = {
    benchmark: 'cache',
    reads: 'one JSON document by id, closed loop',
    rounds,
    secondsPerRun: seconds,
    concurrency,
    ...results,
    inProcessOverRedis: Math.round(ratio * 10) / 10,
    redisOverDatabase: Math.round((results.redisHit.readsPerSecond / results.databaseOnly.readsPerSecond) * 10) / 10,
    target: 10,
    meetsTarget: ratio >= 10,
    invalidationPropagationMs: {
      p50: Math.round(median(propagation) * 100) / 100,
      max: Math.round((propagation.at(-1) ?? 0) * 100) / 100,
    },
    runs,
  };
  const file = await saveResults('cache', report);
  const line = (name: string, run: Run) =>
    `${name.padEnd(16)} ${String(run.readsPerSecond).padStart(9)} reads/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms`;
  console.log(
    [
      line('database only', results.databaseOnly),
      line('redis hit', results.redisHit),
      line('in-process hit', results.inProcessHit),
      `in-process / redis: ${report.inProcessOverRedis}× (target ≥ 10×) → ${report.meetsTarget ? 'met' : 'NOT met'}`,
      `invalidation reaching another instance: p50 ${report.invalidationPropagationMs.p50} ms, max ${report.invalidationPropagationMs.max} ms`,
      `→ ${file}`,
    ].join('\n'),
  );
  if (!report.meetsTarget) process.exitCode = 1;
} finally {
  await Promise.all([viaRedis, inProcess, other].map((cache) => cache.onApplicationShutdown()));
  await database.onApplicationShutdown();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
}

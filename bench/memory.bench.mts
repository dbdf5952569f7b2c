// npm run bench:memory — the memory/throughput trade-off of V8 heap flags, for the ecs-service module's
// `node_options`: the `npm run bench` read (authenticated, cached; tracing, EMF metrics, access log and audit on)
// against one service per flag set, all in one run, alternating, with resident memory sampled mid-run.
// Reports req/s, p99 and RSS per flag set, and throughput as a ratio of V8's defaults. Not a timed test.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  alternate,
  load,
  residentMegabytes,
  ROOT,
  saveResults,
  startService,
  summary,
  type LoadResult,
  type Service,
} from './support/harness.mts';

const require = createRequire(import.meta.url);
const { signLocalToken } = require(
  join(ROOT, 'dist/local/local-issuer.js'),
) as typeof import('../src/local/local-issuer.ts');
const { LOCAL_CLIENT_ID } = require(
  join(ROOT, 'dist/config/app-config.js'),
) as typeof import('../src/config/app-config.ts');

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const RSS_TARGET_MB = 250;
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
// Each flag set is one string of V8 flags; BENCH_MEMORY_FLAGS="a|b|…" replaces the default list.
const flagSets = (
  process.env.BENCH_MEMORY_FLAGS?.split('|') ?? [
    '',
    '--max-semi-space-size=16',
    '--max-semi-space-size=16 --max-old-space-size=192',
    '--max-semi-space-size=16 --max-old-space-size=128',
  ]
).map((flags) => flags.trim());
const labelOf = (flags: string) => flags || 'V8 defaults';

const database = `navius_bench_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
// The collector stand-in: accepts OTLP and discards it.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const dataDir = await mkdtemp(join(tmpdir(), 'navius-bench-'));

const services: Service[] = [];
try {
  for (const flags of flagSets) {
    services.push(
      await startService(
        {
          LOCAL_DATA_DIR: dataDir,
          DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
          REDIS_URL: 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: `bench-memory-${randomUUID()}:`,
          LOG_LEVEL: 'info',
          METRICS_EXPORTER: 'emf',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
        },
        flags.split(' ').filter(Boolean),
      ),
    );
  }
  const token = await signLocalToken({
    dataDir,
    clientId: LOCAL_CLIENT_ID,
    roles: ['Documents.Read', 'Documents.Write'],
  });
  const headers = { authorization: `Bearer ${token}` };
  const first = services[0] as Service;
  const created = await fetch(`${first.url}/v1/documents`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench.txt', contentType: 'text/plain', size: 5 }),
  });
  const { document } = (await created.json()) as { document: { id: string } };
  const path = `/v1/documents/${document.id}`;
  for (const service of services) await load(`${service.url}${path}`, { headers, seconds: 3 });

  const rss = flagSets.map(() => [] as number[]);
  const contenders = Object.fromEntries(
    services.map((service, index) => [
      labelOf(flagSets[index] as string),
      async (): Promise<LoadResult> => {
        const running = load(`${service.url}${path}`, { headers, seconds });
        await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 2));
        rss[index]?.push(await residentMegabytes(service.child.pid as number));
        return running;
      },
    ]),
  );
  const runs = await alternate(rounds, contenders);
  const results = flagSets.map((flags, index) => {
    const result = summary(runs[labelOf(flags)] as LoadResult[]);
    return { nodeFlags: flags, ...result, residentMemoryUnderLoadMb: Math.max(...(rss[index] as number[])) };
  });
  const defaults = results[0] as (typeof results)[number];
  const report = {
    benchmark: 'memory',
    route: 'GET /v1/documents/:id (authenticated, cached; tracing, EMF, access log, audit on)',
    rounds,
    secondsPerRun: seconds,
    connections: 50,
    rssTargetMb: RSS_TARGET_MB,
    results: results.map((result) => ({
      ...result,
      throughputOfDefaults: Math.round((result.requestsPerSecond / defaults.requestsPerSecond) * 1000) / 1000,
      meetsRssTarget: result.residentMemoryUnderLoadMb <= RSS_TARGET_MB,
    })),
    runs,
    rssRunsMb: Object.fromEntries(flagSets.map((flags, index) => [labelOf(flags), rss[index]])),
  };
  const file = await saveResults('memory', report);
  for (const result of report.results) {
    console.log(
      `${labelOf(result.nodeFlags).padEnd(52)} ${Math.round(result.requestsPerSecond)} req/s ` +
        `(${result.throughputOfDefaults}× defaults), p99 ${result.p99Ms} ms, RSS ${result.residentMemoryUnderLoadMb} MB` +
        (result.meetsRssTarget ? ` (≤ ${RSS_TARGET_MB})` : ''),
    );
  }
  console.log(`→ ${file}`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
  sink.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

// npm run bench:memory — the memory/throughput trade-off of V8 heap flags and task sizes, for the ecs-service
// module's `memory` and `node_options`: the `npm run bench` read (authenticated, cached; tracing, EMF metrics,
// access log and audit on) against one service per setting, all in one run, alternating, with resident memory
// sampled mid-run. A setting is V8 flags, optionally `@<MiB>`: the service then starts in a memory cgroup of that
// size (root only), as in an ECS task, where Node sizes its heap from the task's memory. Reports req/s, p99 and
// RSS per setting, and throughput as a ratio of the first. Not a timed test.
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
import { memoryCgroup, type MemoryCgroup } from './support/cgroup.mts';

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
// Each setting is a string of V8 flags, then optionally @<task MiB>; BENCH_MEMORY_FLAGS="a|b|…" replaces the list.
const settings = (
  process.env.BENCH_MEMORY_FLAGS?.split('|') ?? [
    '',
    '@2048',
    '@1024',
    '--max-semi-space-size=16',
    '--max-semi-space-size=16 --max-old-space-size=192',
  ]
).map((setting) => {
  const [flags = '', taskMb] = setting.split('@');
  return { nodeFlags: flags.trim(), taskMemoryMb: taskMb ? Number(taskMb) : undefined };
});
type Setting = (typeof settings)[number];
const labelOf = ({ nodeFlags, taskMemoryMb }: Setting) =>
  `${nodeFlags || 'V8 defaults'}${taskMemoryMb ? ` in a ${taskMemoryMb} MiB task` : ''}`;

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
const cgroups: MemoryCgroup[] = [];
try {
  for (const setting of settings) {
    const cgroup = setting.taskMemoryMb === undefined ? undefined : await memoryCgroup(setting.taskMemoryMb);
    if (cgroup) cgroups.push(cgroup);
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
        setting.nodeFlags.split(' ').filter(Boolean),
        cgroup?.procsFile,
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

  const rss = settings.map(() => [] as number[]);
  const contenders = Object.fromEntries(
    services.map((service, index) => [
      labelOf(settings[index] as Setting),
      async (): Promise<LoadResult> => {
        const running = load(`${service.url}${path}`, { headers, seconds });
        await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 2));
        rss[index]?.push(await residentMegabytes(service.child.pid as number));
        return running;
      },
    ]),
  );
  const runs = await alternate(rounds, contenders);
  const results = settings.map((setting, index) => {
    const result = summary(runs[labelOf(setting)] as LoadResult[]);
    return { ...setting, ...result, residentMemoryUnderLoadMb: Math.max(...(rss[index] as number[])) };
  });
  const baseline = results[0] as (typeof results)[number];
  const report = {
    benchmark: 'memory',
    route: 'GET /v1/documents/:id (authenticated, cached; tracing, EMF, access log, audit on)',
    rounds,
    secondsPerRun: seconds,
    connections: 50,
    rssTargetMb: RSS_TARGET_MB,
    results: results.map((result) => ({
      ...result,
      throughputOfFirst: Math.round((result.requestsPerSecond / baseline.requestsPerSecond) * 1000) / 1000,
      meetsRssTarget: result.residentMemoryUnderLoadMb <= RSS_TARGET_MB,
    })),
    runs,
    rssRunsMb: Object.fromEntries(settings.map((setting, index) => [labelOf(setting), rss[index]])),
  };
  const file = await saveResults('memory', report);
  for (const result of report.results) {
    console.log(
      `${labelOf(result).padEnd(52)} ${Math.round(result.requestsPerSecond)} req/s ` +
        `(${result.throughputOfFirst}× the first), p99 ${result.p99Ms} ms, RSS ${result.residentMemoryUnderLoadMb} MB` +
        (result.meetsRssTarget ? ` (≤ ${RSS_TARGET_MB})` : ''),
    );
  }
  console.log(`→ ${file}`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await Promise.allSettled(cgroups.map((cgroup) => cgroup.remove()));
  sink.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

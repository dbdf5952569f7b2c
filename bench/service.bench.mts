// npm run bench — the authenticated, cached GET /v1/documents/:id (fresh RS256 Entra-shaped token, tracing at
// default sampling, access log on, real PostgreSQL and Redis) against bare Fastify answering the same JSON from
// memory, alternating A B A B with autocannon at 50 connections. Beside them, as a reference, NestJS on Fastify
// answering that JSON with nothing else: the framework's share of the gap. Targets: ≥ 0.5 × bare Fastify, p99 ≤ 10 ms,
// start-up to ready ≤ 1.5 s, resident memory under load ≤ 250 MB. Results: bench/results/<date>.json + SVG chart.
// Every dependency runs outside the service, as in production: PostgreSQL, Redis, an S3-compatible endpoint and
// the OIDC issuer (the last two served by this script). Start-up is the median of several cold starts.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { barChartSvg } from './support/chart.mts';
import { benchDependencies } from './support/fixtures.mts';
import {
  alternate,
  load,
  median,
  loadSamplingRss,
  ROOT,
  saveResults,
  startBareFastify,
  startBareNest,
  startService,
  summary,
  type LoadResult,
} from './support/harness.mts';

const STARTS = 5;

const rounds = Number(process.argv[2] ?? 3);
const nodeFlags = process.env.BENCH_NODE_FLAGS ?? '';
const seconds = Number(process.argv[3] ?? 10);

const dependencies = await benchDependencies();
const serviceEnv = {
  ...dependencies.env,
  REDIS_KEY_PREFIX: `bench-${randomUUID()}:`,
  LOG_LEVEL: 'info',
  METRICS_EXPORTER: 'emf',
};
// Cold starts to ready (the first one also migrates the fresh database); the last one serves the load.
const startups: number[] = [];
let service = await startService(serviceEnv);
startups.push(service.startupMs);
while (startups.length < STARTS) {
  await service.stop();
  service = await startService(serviceEnv);
  startups.push(service.startupMs);
}
const startupMs = median(startups);
let bare: Awaited<ReturnType<typeof startBareFastify>> | undefined;
let nest: Awaited<ReturnType<typeof startBareNest>> | undefined;

try {
  // A fresh RS256 token in the Entra v2 access-token shape, minted for this run.
  const { headers, path } = await dependencies.readableDocument(service.url);
  const served = await (await fetch(`${service.url}${path}`, { headers })).json();
  bare = await startBareFastify(served);
  nest = await startBareNest(served);
  const { url: bareUrl, child: bareChild } = bare;
  const { url: nestUrl, child: nestChild } = nest;

  const warmUp = await load(`${service.url}${path}`, { headers, seconds: 3 });
  await load(`${bareUrl}${path}`, { seconds: 3 });
  await load(`${nestUrl}${path}`, { seconds: 3 });

  const rss: number[] = [];
  const runs = await alternate(rounds, {
    navius: () => loadSamplingRss(service, `${service.url}${path}`, { headers, seconds, pid: service.child.pid }, rss),
    bareFastify: () => load(`${bareUrl}${path}`, { seconds, pid: bareChild.pid }),
    nestOnly: () => load(`${nestUrl}${path}`, { seconds, pid: nestChild.pid }),
  });
  const navius = summary(runs.navius);
  const baseline = summary(runs.bareFastify);
  const nestOnly = summary(runs.nestOnly);
  const ratioTo = (result: LoadResult) =>
    Math.round((result.requestsPerSecond / baseline.requestsPerSecond) * 1000) / 1000;
  const ratio = ratioTo(navius);
  const peakRss = Math.max(...rss);
  // Every answered read must be in the audit trail, or the throughput above was bought by dropping audit events:
  // SIGTERM flushes the queue, then the trail is counted against the reads answered (the first one was a fetch).
  // The client does not count the reads still in flight when a run ends, which the service answers and audits too.
  await service.stop();
  const answered = 1 + warmUp.requests + navius.requests;
  const audited = await dependencies.database.auditedRequests('GET', '/v1/documents/:id');
  const auditEventsMissing = Math.max(0, answered - audited);
  const report = {
    benchmark: 'service',
    date: new Date().toISOString(),
    machine: '2 cores, shared',
    route: 'GET /v1/documents/:id (authenticated, cached; tracing default sampling; access log on)',
    rounds,
    secondsPerRun: seconds,
    connections: 50,
    // V8 flags the service ran with (BENCH_NODE_FLAGS); such a run is saved apart and leaves the chart alone.
    nodeFlags,
    navius,
    bareFastify: baseline,
    // NestJS on Fastify with nothing else, answering the same JSON: the framework's own share of the gap.
    nestOnly,
    ratio,
    nestOnlyRatio: ratioTo(nestOnly),
    startupToReadyMs: startupMs,
    startupRunsMs: startups,
    residentMemoryUnderLoadMb: peakRss,
    audit: { readsAnswered: answered, readsAudited: audited, auditEventsMissing },
    targets: { ratio: 0.5, p99Ms: 10, startupToReadyMs: 1500, residentMemoryMb: 250 },
    meets: {
      ratio: ratio >= 0.5,
      p99Ms: navius.p99Ms <= 10,
      startupToReadyMs: startupMs <= 1500,
      residentMemoryMb: peakRss <= 250,
    },
    runs,
  };
  const file = await saveResults(nodeFlags ? 'service-node-flags' : undefined, report);
  if (!nodeFlags)
    await writeFile(
      join(ROOT, 'bench', 'results', 'service.svg'),
      barChartSvg(`GET /v1/documents/:id, 50 connections (${report.date.slice(0, 10)})`, [
        {
          label: 'Navius (auth, cache, tracing, log)',
          value: navius.requestsPerSecond,
          note: `${Math.round(navius.requestsPerSecond)} req/s, p99 ${navius.p99Ms} ms (${ratio}×)`,
        },
        {
          label: 'NestJS on Fastify alone',
          value: nestOnly.requestsPerSecond,
          note: `${Math.round(nestOnly.requestsPerSecond)} req/s, p99 ${nestOnly.p99Ms} ms (${ratioTo(nestOnly)}×)`,
        },
        {
          label: 'bare Fastify (from memory)',
          value: baseline.requestsPerSecond,
          note: `${Math.round(baseline.requestsPerSecond)} req/s, p99 ${baseline.p99Ms} ms`,
        },
      ]),
    );
  console.log(
    `navius: ${Math.round(navius.requestsPerSecond)} req/s p50 ${navius.p50Ms} ms p99 ${navius.p99Ms} ms, ${navius.cpuMicrosPerRequest} µs CPU/request\n` +
      `nest alone: ${Math.round(nestOnly.requestsPerSecond)} req/s p50 ${nestOnly.p50Ms} ms p99 ${nestOnly.p99Ms} ms, ${nestOnly.cpuMicrosPerRequest} µs CPU/request (${ratioTo(nestOnly)}×)\n` +
      `bare fastify: ${Math.round(baseline.requestsPerSecond)} req/s p50 ${baseline.p50Ms} ms p99 ${baseline.p99Ms} ms, ${baseline.cpuMicrosPerRequest} µs CPU/request\n` +
      `ratio ${ratio} (target ≥ 0.5); start-up to ready ${startupMs} ms (median of ${STARTS}; ≤ 1500); RSS under load ${peakRss} MB (≤ 250)\n` +
      `audit trail: ${audited} events for ${answered} reads answered (${auditEventsMissing} missing)\n` +
      `→ ${file}`,
  );
} finally {
  await Promise.all([service.stop(), bare?.stop(), nest?.stop()]);
  await dependencies.stop();
}

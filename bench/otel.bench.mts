// npm run bench:otel — throughput of the authenticated, cached documents read with tracing (default sampling),
// EMF metrics and the access log all on, against all off, alternating in one run. Target: on ≥ 0.9 × off. Also
// all on but one feature, so each one's share of the cost shows. Each also reports the service's CPU time per
// request (Linux /proc), steadier than req/s on a shared machine.
import { randomUUID } from 'node:crypto';
import { benchDependencies } from './support/fixtures.mts';
import {
  alternate,
  load,
  median,
  saveResults,
  startService,
  summary,
  type LoadResult,
  type Service,
} from './support/harness.mts';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);

const dependencies = await benchDependencies();
const allOnEnv = {
  LOG_LEVEL: 'info',
  METRICS_EXPORTER: 'emf',
  METRICS_EXPORT_INTERVAL_MS: '5000',
};
// All on, all off, and all on but one: each feature's own share. Tracing "off" alone keeps the instrumentations
// and drops the span export (OTEL_TRACES_EXPORTER=none); all off disables the SDK (OTEL_SDK_DISABLED).
const configurations = {
  allOn: allOnEnv,
  allOff: { LOG_LEVEL: 'warn', METRICS_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' },
  withoutTraceExport: { ...allOnEnv, OTEL_TRACES_EXPORTER: 'none' },
  withoutEmf: { ...allOnEnv, METRICS_EXPORTER: 'none' },
  withoutAccessLogLine: { ...allOnEnv, LOG_LEVEL: 'warn' },
};
type Configuration = keyof typeof configurations;
const services = {} as Record<Configuration, Service>;
for (const [name, env] of Object.entries(configurations) as Array<[Configuration, Record<string, string>]>) {
  services[name] = await startService({
    ...dependencies.env,
    ...env,
    REDIS_KEY_PREFIX: `bench-${name}-${randomUUID()}:`,
  });
}
const { allOn: on } = services;

try {
  const { headers, path } = await dependencies.readableDocument(on.url);
  // Warm each: JIT, connection pools, caches.
  for (const service of Object.values(services)) await load(`${service.url}${path}`, { headers, seconds: 2 });

  const runs = await alternate(
    rounds,
    Object.fromEntries(
      Object.entries(services).map(([name, service]) => [
        name,
        () => load(`${service.url}${path}`, { headers, seconds, pid: service.child.pid }),
      ]),
    ) as Record<Configuration, () => Promise<LoadResult>>,
  );
  const results = Object.fromEntries(Object.entries(runs).map(([name, results]) => [name, summary(results)])) as Record<
    Configuration,
    LoadResult
  >;
  const { allOn, allOff } = results;
  const ratio = allOn.requestsPerSecond / allOff.requestsPerSecond;
  const ofAllOff = (result: LoadResult) =>
    Math.round((result.requestsPerSecond / allOff.requestsPerSecond) * 1000) / 1000;
  const report = {
    benchmark: 'otel',
    route: 'GET /v1/documents/:id (authenticated, cached)',
    rounds,
    secondsPerRun: seconds,
    connections: 50,
    allOn,
    allOff,
    ratio: Math.round(ratio * 1000) / 1000,
    // The same comparison by the service's CPU time per request: all off's over all on's.
    cpuRatio:
      allOn.cpuMicrosPerRequest && allOff.cpuMicrosPerRequest
        ? Math.round((allOff.cpuMicrosPerRequest / allOn.cpuMicrosPerRequest) * 1000) / 1000
        : undefined,
    // Each round's all on over the same round's all off, run back to back: how far the machine drifted.
    roundRatios: runs.allOn.map(
      (result, round) => Math.round((result.requestsPerSecond / runs.allOff[round]!.requestsPerSecond) * 1000) / 1000,
    ),
    // All on but one feature, as a ratio of all off: what the other two cost together.
    withoutOne: {
      traceExport: { ...results.withoutTraceExport, ratio: ofAllOff(results.withoutTraceExport) },
      emfMetrics: { ...results.withoutEmf, ratio: ofAllOff(results.withoutEmf) },
      accessLogLine: { ...results.withoutAccessLogLine, ratio: ofAllOff(results.withoutAccessLogLine) },
    },
    target: 0.9,
    meetsTarget: ratio >= 0.9,
    runs,
  };
  const file = await saveResults('otel', report);
  console.log(
    `all on: ${allOn.requestsPerSecond.toFixed(0)} req/s (p50 ${allOn.p50Ms} ms, p99 ${allOn.p99Ms} ms, ` +
      `${allOn.cpuMicrosPerRequest} µs CPU/request)\n` +
      `all off: ${allOff.requestsPerSecond.toFixed(0)} req/s (p50 ${allOff.p50Ms} ms, p99 ${allOff.p99Ms} ms, ` +
      `${allOff.cpuMicrosPerRequest} µs CPU/request)\n` +
      `ratio on/off: ${report.ratio} (target ≥ 0.9); by CPU time per request: ${report.cpuRatio}; ` +
      `round by round: ${report.roundRatios.join(', ')} (median ${median(report.roundRatios)})\n` +
      Object.entries(report.withoutOne)
        .map(
          ([feature, result]) =>
            `all on but ${feature}: ${result.requestsPerSecond.toFixed(0)} req/s (${result.ratio}× all off, ` +
            `${result.cpuMicrosPerRequest} µs CPU/request)`,
        )
        .join('\n') +
      `\n→ ${file}`,
  );
} finally {
  await Promise.all(Object.values(services).map((service) => service.stop()));
  await dependencies.stop();
}

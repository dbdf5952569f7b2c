// npm run bench:memory — the memory/throughput trade-off of V8 heap flags and task sizes, for the ecs-service
// module's `memory` and `node_options`: the `npm run bench` read (authenticated, cached; tracing, EMF metrics,
// access log and audit on) against one service per setting, all in one run, alternating, with resident memory
// sampled mid-run. A setting is V8 flags, optionally `@<MiB>`: the service then starts in a memory cgroup of that
// size (root only), as in an ECS task, where Node sizes its heap from the task's memory. Every service starts as
// `npm start` does, its own flags included; a setting's flags come after and win (`--allocation-site-pretenuring`
// puts back V8's default that npm start turns off). Reports req/s, the service's CPU time per request, p99 and RSS
// per setting, and throughput as a ratio of the first. Not a timed test.
import { randomUUID } from 'node:crypto';
import { memoryCgroup, memoryCgroupsUnsupported, type MemoryCgroup } from './support/cgroup.mts';
import { benchDependencies } from './support/fixtures.mts';
import {
  alternate,
  load,
  loadSamplingRss,
  saveResults,
  startService,
  summary,
  type LoadResult,
  type Service,
} from './support/harness.mts';

const RSS_TARGET_MB = 250;
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
// Each setting is a string of V8 flags, then optionally @<task MiB>; BENCH_MEMORY_FLAGS="a|b|…" replaces the list.
const requested = (
  process.env.BENCH_MEMORY_FLAGS?.split('|') ?? [
    '',
    '--allocation-site-pretenuring',
    '@2048',
    '@1024',
    '--allocation-site-pretenuring@1024',
    '--max-semi-space-size=16 --max-old-space-size=192',
  ]
).map((setting) => {
  const [flags = '', taskMb] = setting.split('@');
  return { nodeFlags: flags.trim(), taskMemoryMb: taskMb ? Number(taskMb) : undefined };
});
type Setting = (typeof requested)[number];
const labelOf = ({ nodeFlags, taskMemoryMb }: Setting) =>
  `${nodeFlags || 'as npm start'}${taskMemoryMb ? ` in a ${taskMemoryMb} MiB task` : ''}`;
// Task sizes need memory cgroups (root on Linux); elsewhere those settings are skipped, and said so.
const cgroupsUnsupported = await memoryCgroupsUnsupported();
const settings = requested.filter((setting) => setting.taskMemoryMb === undefined || !cgroupsUnsupported);
for (const setting of requested.filter((setting) => !settings.includes(setting))) {
  console.log(`skipped ${labelOf(setting)}: ${cgroupsUnsupported}`);
}

const dependencies = await benchDependencies();

const services: Service[] = [];
const cgroups: MemoryCgroup[] = [];
try {
  for (const setting of settings) {
    const cgroup = setting.taskMemoryMb === undefined ? undefined : await memoryCgroup(setting.taskMemoryMb);
    if (cgroup) cgroups.push(cgroup);
    services.push(
      await startService(
        {
          ...dependencies.env,
          REDIS_KEY_PREFIX: `bench-memory-${randomUUID()}:`,
          LOG_LEVEL: 'info',
          METRICS_EXPORTER: 'emf',
        },
        setting.nodeFlags.split(' ').filter(Boolean),
        cgroup?.procsFile,
      ),
    );
  }
  const { headers, path } = await dependencies.readableDocument((services[0] as Service).url);
  for (const service of services) await load(`${service.url}${path}`, { headers, seconds: 3 });

  const rss = settings.map(() => [] as number[]);
  const contenders = Object.fromEntries(
    services.map((service, index) => [
      labelOf(settings[index] as Setting),
      () =>
        loadSamplingRss(
          service,
          `${service.url}${path}`,
          { headers, seconds, pid: service.child.pid },
          rss[index] as number[],
        ),
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
  // A list of one's own (BENCH_MEMORY_FLAGS) is saved apart, leaving the run of the default list alone.
  const file = await saveResults(process.env.BENCH_MEMORY_FLAGS ? 'memory-flags' : 'memory', report);
  for (const result of report.results) {
    console.log(
      `${labelOf(result).padEnd(52)} ${Math.round(result.requestsPerSecond)} req/s ` +
        `(${result.throughputOfFirst}× the first), ${result.cpuMicrosPerRequest} µs CPU/request, p99 ${result.p99Ms} ms, ` +
        `RSS ${result.residentMemoryUnderLoadMb} MB` +
        (result.meetsRssTarget ? ` (≤ ${RSS_TARGET_MB})` : ''),
    );
  }
  console.log(`→ ${file}`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await Promise.allSettled(cgroups.map((cgroup) => cgroup.remove()));
  await dependencies.stop();
}

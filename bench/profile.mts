// npm run bench:profile — CPU profile of the service under the `npm run bench` load (authenticated cached read),
// summarised by package: where a request's time goes. Writes the raw .cpuprofile under bench/results/profiles/.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, otlpSink, readableDocument } from './support/fixtures.mts';
import { load, residentMegabytes, ROOT, startService } from './support/harness.mts';

const seconds = Number(process.argv[2] ?? 8);
const extraEnv = Object.fromEntries(process.argv.slice(3).map((pair) => pair.split('=') as [string, string]));
const database = await benchDatabase();
// Spans go to a collector stand-in, as in the other benchmarks (not to a refused default endpoint).
const sink = await otlpSink();
const dataDir = await mkdtemp(join(tmpdir(), 'navius-profile-'));
const profiles = join(ROOT, 'bench', 'results', 'profiles');
await mkdir(profiles, { recursive: true });
const before = new Set(await readdir(profiles));

const service = await startService(
  {
    LOCAL_DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `profile-${randomUUID()}:`,
    LOG_LEVEL: 'info',
    METRICS_EXPORTER: 'emf',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    ...extraEnv,
  },
  ['--cpu-prof', `--cpu-prof-dir=${profiles}`],
);
try {
  const { headers, path } = await readableDocument(service.url, dataDir);
  const result = await load(`${service.url}${path}`, { headers, seconds });
  console.log(
    `${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, RSS ${await residentMegabytes(service.child.pid as number)} MB`,
  );
} finally {
  await service.stop();
  sink.close();
  await database.drop();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
const file = (await readdir(profiles)).find((name) => !before.has(name) && name.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(await readFile(join(profiles, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byPackage = new Map<string, number>();
for (const id of profile.samples) {
  const { url, functionName } = nodes.get(id)?.callFrame ?? { url: '', functionName: '?' };
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.includes('/dist/') ? `navius:${url.split('/dist/')[1]}` : url ? url.replace(/^node:/, 'node:') : functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
}
const busy = profile.samples.length - (byPackage.get('(idle)') ?? 0);
console.log(`busy samples: ${busy} of ${profile.samples.length} (${file})`);
for (const [pkg, count] of [...byPackage]
  .filter(([pkg]) => pkg !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 30)) {
  console.log(`${((100 * count) / busy).toFixed(1).padStart(5)}%  ${pkg}`);
}

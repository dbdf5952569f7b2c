// npm run bench:profile — CPU profile of the service under the `npm run bench` load (authenticated cached read),
// summarised by package: where a request's time goes. Writes the raw .cpuprofile under bench/results/profiles/.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchDependencies } from './support/fixtures.mts';
import { load, residentMegabytes, ROOT, startService } from './support/harness.mts';

const seconds = Number(process.argv[2] ?? 8);
const extraEnv = Object.fromEntries(process.argv.slice(3).map((pair) => pair.split('=') as [string, string]));
// Spans go to a collector stand-in, as in the other benchmarks (not to a refused default endpoint).
const dependencies = await benchDependencies();
const profiles = join(ROOT, 'bench', 'results', 'profiles');
await mkdir(profiles, { recursive: true });
const before = new Set(await readdir(profiles));

const service = await startService(
  {
    ...dependencies.env,
    REDIS_KEY_PREFIX: `profile-${randomUUID()}:`,
    LOG_LEVEL: 'info',
    METRICS_EXPORTER: 'emf',
    ...extraEnv,
  },
  ['--cpu-prof', `--cpu-prof-dir=${profiles}`],
);
try {
  const { headers, path } = await dependencies.readableDocument(service.url);
  const result = await load(`${service.url}${path}`, { headers, seconds });
  console.log(
    `${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, RSS ${await residentMegabytes(service.child.pid as number)} MB`,
  );
} finally {
  await service.stop();
  await dependencies.stop();
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

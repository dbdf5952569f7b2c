// Shared pieces of the benchmarks: run with Node's type stripping (`node bench/<name>.bench.mts`), after a build.
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startArgs } from '../../test/support/start-args.mts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Service {
  url: string;
  child: ChildProcess;
  /** From spawn to the first 200 on the readiness path. */
  startupMs: number;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the service binds it next). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** V8 flags for the service under test, e.g. `BENCH_NODE_FLAGS="--max-old-space-size=160"` to try a heap cap. */
const SERVICE_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const START_ARGS = startArgs(ROOT);

/**
 * Starts the service exactly as `npm start` does, plus `nodeFlags` (by default BENCH_NODE_FLAGS; later flags win, so
 * they can also undo one of npm start's), with `env` over a quiet base, optionally inside a cgroup, and waits until
 * it is ready.
 */
export function startService(
  env: Record<string, string>,
  nodeFlags: string[] = SERVICE_NODE_FLAGS,
  cgroupProcs?: string,
): Promise<Service> {
  return startNode(
    [...START_ARGS.slice(0, -1), ...nodeFlags, ...START_ARGS.slice(-1)],
    env,
    '/health/ready',
    cgroupProcs,
  );
}

/** Starts the bare Fastify baseline answering `document` from memory. */
export function startBareFastify(document: unknown): Promise<Service> {
  return startReference('bare-fastify.mjs', document);
}

/** Starts NestJS on Fastify answering `document` from memory with nothing else: the framework's own cost. */
export function startBareNest(document: unknown): Promise<Service> {
  return startReference('bare-nest.mjs', document);
}

/** A reference server of bench/support answering GET /v1/documents/:id with `document`. */
function startReference(script: string, document: unknown): Promise<Service> {
  return startNode(
    [join(ROOT, 'bench/support', script)],
    { BENCH_DOCUMENT: JSON.stringify(document) },
    '/v1/documents/x',
  );
}

/**
 * Spawns node with `args` on a free port and polls `readyPath` until it answers 200; with `cgroupProcs`, node starts
 * inside that cgroup (a shell writes its pid there, then execs node, so the pid stays the same).
 */
export async function startNode(
  args: string[],
  env: Record<string, string>,
  readyPath: string,
  cgroupProcs?: string,
): Promise<Service> {
  const port = await freePort();
  const started = performance.now();
  const [command, commandArgs] = cgroupProcs
    ? ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${args.at(-1)} exited before ready`);
    const ready = await fetch(`${url}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url,
    child,
    startupMs: Math.round(performance.now() - started),
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process, from /proc. */
export async function residentMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests answered in the run (in a summary: in all its runs). */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /**
   * CPU time (user and system, every thread) the server process spent per answered request, when its pid was given.
   * Steadier than req/s on a shared machine: it does not count the time the server waited for a core.
   */
  cpuMicrosPerRequest?: number;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time a process has used so far (user and system, all threads), in µs, from /proc. */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // After the command name: state, ppid, …; utime and stime are the 14th and 15th fields of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** One autocannon run against `url` (50 connections unless told otherwise); `pid`: the server, for its CPU time. */
export async function load(
  url: string,
  options: { headers?: Record<string, string>; seconds?: number; connections?: number; pid?: number } = {},
): Promise<LoadResult> {
  const cpuBefore = options.pid === undefined ? undefined : await cpuMicros(options.pid);
  const result = await autocannon({
    url,
    connections: options.connections ?? 50,
    duration: options.seconds ?? 5,
    headers: options.headers,
  });
  const cpuUsed = cpuBefore === undefined ? undefined : (await cpuMicros(options.pid as number)) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ...(cpuUsed !== undefined && { cpuMicrosPerRequest: Math.round((cpuUsed / result.requests.total) * 10) / 10 }),
  };
}

/** `load` on a service, reading its resident memory halfway through into `rss`. */
export async function loadSamplingRss(
  service: Service,
  url: string,
  options: NonNullable<Parameters<typeof load>[1]> & { seconds: number },
  rss: number[],
): Promise<LoadResult> {
  const running = load(url, options);
  await new Promise((resolve) => setTimeout(resolve, (options.seconds * 1000) / 2));
  rss.push(await residentMegabytes(service.child.pid as number));
  return running;
}

/** Runs each contender once per round, in the same order every round: drift on the shared machine falls on all. */
export async function alternate<Name extends string>(
  rounds: number,
  contenders: Record<Name, () => Promise<LoadResult>>,
): Promise<Record<Name, LoadResult[]>> {
  const names = Object.keys(contenders) as Name[];
  const results = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<Name, LoadResult[]>;
  for (let round = 0; round < rounds; round += 1) {
    for (const name of names) results[name].push(await contenders[name]());
  }
  return results;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summary(results: LoadResult[]): LoadResult {
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    ...(results.every((r) => r.cpuMicrosPerRequest !== undefined) && {
      cpuMicrosPerRequest: Math.round(median(results.map((r) => r.cpuMicrosPerRequest as number)) * 10) / 10,
    }),
  };
}

/** Writes bench/results/<date>-<name>.json (`npm run bench`, the main one: <date>.json) and returns its path. */
export async function saveResults(name: string | undefined, data: unknown): Promise<string> {
  const directory = join(ROOT, 'bench', 'results');
  await mkdir(directory, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = join(directory, name ? `${date}-${name}.json` : `${date}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

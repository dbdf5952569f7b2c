// npm run bench:otel — throughput of the authenticated, cached documents read with tracing (default sampling),
// EMF metrics and the access log all on, against all off, alternating in one run. Target: on ≥ 0.9 × off.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { alternate, load, ROOT, saveResults, startService, summary } from './support/harness.mts';

const require = createRequire(import.meta.url);
const { signLocalToken } = require(
  join(ROOT, 'dist/local/local-issuer.js'),
) as typeof import('../src/local/local-issuer.ts');
const { LOCAL_CLIENT_ID } = require(
  join(ROOT, 'dist/config/app-config.js'),
) as typeof import('../src/config/app-config.ts');

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);

const database = `navius_bench_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);

// The collector stand-in: accepts OTLP and discards it, as the ADOT sidecar would take it off the process.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));

const dataDir = await mkdtemp(join(tmpdir(), 'navius-bench-'));
const common = {
  LOCAL_DATA_DIR: dataDir,
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
  REDIS_URL: 'redis://127.0.0.1:6379',
};
const on = await startService({
  ...common,
  REDIS_KEY_PREFIX: `bench-on-${randomUUID()}:`,
  LOG_LEVEL: 'info',
  METRICS_EXPORTER: 'emf',
  METRICS_EXPORT_INTERVAL_MS: '5000',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
});
const off = await startService({
  ...common,
  REDIS_KEY_PREFIX: `bench-off-${randomUUID()}:`,
  LOG_LEVEL: 'warn',
  METRICS_EXPORTER: 'none',
  OTEL_SDK_DISABLED: 'true',
});

try {
  const token = await signLocalToken({
    dataDir,
    clientId: LOCAL_CLIENT_ID,
    roles: ['Documents.Read', 'Documents.Write'],
  });
  const headers = { authorization: `Bearer ${token}` };
  const created = await fetch(`${on.url}/v1/documents`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench.txt', contentType: 'text/plain', size: 5 }),
  });
  const { document } = (await created.json()) as { document: { id: string } };
  const path = `/v1/documents/${document.id}`;
  // Warm both: JIT, connection pools, caches.
  await load(`${on.url}${path}`, { headers, seconds: 2 });
  await load(`${off.url}${path}`, { headers, seconds: 2 });

  const runs = await alternate(rounds, {
    allOn: () => load(`${on.url}${path}`, { headers, seconds }),
    allOff: () => load(`${off.url}${path}`, { headers, seconds }),
  });
  const allOn = summary(runs.allOn);
  const allOff = summary(runs.allOff);
  const ratio = allOn.requestsPerSecond / allOff.requestsPerSecond;
  const report = {
    benchmark: 'otel',
    route: 'GET /v1/documents/:id (authenticated, cached)',
    rounds,
    secondsPerRun: seconds,
    connections: 50,
    allOn,
    allOff,
    ratio: Math.round(ratio * 1000) / 1000,
    target: 0.9,
    meetsTarget: ratio >= 0.9,
    runs,
  };
  const file = await saveResults('otel', report);
  console.log(
    `all on: ${allOn.requestsPerSecond.toFixed(0)} req/s (p50 ${allOn.p50Ms} ms, p99 ${allOn.p99Ms} ms)\n` +
      `all off: ${allOff.requestsPerSecond.toFixed(0)} req/s (p50 ${allOff.p50Ms} ms, p99 ${allOff.p99Ms} ms)\n` +
      `ratio on/off: ${report.ratio} (target ≥ 0.9) → ${file}`,
  );
} finally {
  await Promise.all([on.stop(), off.stop()]);
  sink.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

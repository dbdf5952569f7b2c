// What the load benchmarks share: every dependency of the service outside it, as in production (a throwaway
// database on the machine's PostgreSQL, its Redis, an S3-compatible endpoint, the OIDC issuer and a stand-in OTLP
// collector), and one document to read with a fresh token.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { standInsEnv } from '../../test/support/stand-ins.mts';
import { ROOT } from './harness.mts';

const require = createRequire(import.meta.url);
const { LocalIssuer, signLocalToken } = require(
  join(ROOT, 'dist/local/local-issuer.js'),
) as typeof import('../../src/local/local-issuer.ts');
const { LocalS3 } = require(join(ROOT, 'dist/local/local-s3.js')) as typeof import('../../src/local/local-s3.ts');

const TENANT = '3f2b8c1d-6e4a-4b7c-9d0e-1a2b3c4d5e6f';
const CLIENT = '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d';
const BUCKET = 'navius-bench';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  /** `http.request` audit events stored for `method route` (a route template). */
  auditedRequests(method: string, route: string): Promise<number>;
  drop(): Promise<void>;
}

/** A fresh database on the machine's PostgreSQL for one run; `drop()` removes it, connections and all. */
async function benchDatabase(): Promise<BenchDatabase> {
  const name = `navius_bench_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  return {
    url,
    auditedRequests: async (method, route) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>(
          `SELECT count(*) FROM audit_events WHERE type = 'http.request' AND method = $1 AND route = $2`,
          [method, route],
        );
        return Number(rows[0]?.count);
      } finally {
        await client.end();
      }
    },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

interface OtlpSink {
  endpoint: string;
  close(): void;
}

/** The collector stand-in: accepts OTLP and discards it, as the ADOT sidecar takes it off the process. */
async function otlpSink(): Promise<OtlpSink> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

export interface BenchDependencies {
  database: BenchDatabase;
  /** The service's environment naming them; a benchmark adds its own switches (log level, exporters, key prefix). */
  env: Record<string, string>;
  /** A fresh RS256 token in the Entra v2 access-token shape and one document created with it through `serviceUrl`. */
  readableDocument(serviceUrl: string): Promise<{ headers: Record<string, string>; path: string }>;
  stop(): Promise<void>;
}

/**
 * Starts every dependency of the service outside it: the embedded stand-ins of the local profile would otherwise
 * run inside the measured process (s3rver alone is ~280 modules and ~9 MB of heap), which production never does.
 */
export async function benchDependencies(): Promise<BenchDependencies> {
  const [database, sink, dataDir] = await Promise.all([
    benchDatabase(),
    otlpSink(),
    mkdtemp(join(tmpdir(), 'navius-bench-')),
  ]);
  const [s3, issuer] = await Promise.all([LocalS3.start({ dataDir, bucket: BUCKET }), LocalIssuer.start({ dataDir })]);
  return {
    database,
    env: {
      LOCAL_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      ...standInsEnv(s3, BUCKET, issuer, { tenantId: TENANT, clientId: CLIENT }),
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    },
    readableDocument: async (serviceUrl) => {
      const token = await signLocalToken({
        dataDir,
        clientId: CLIENT,
        tenantId: TENANT,
        roles: ['Documents.Read', 'Documents.Write'],
      });
      const headers = { authorization: `Bearer ${token}` };
      const created = await fetch(`${serviceUrl}/v1/documents`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench.pdf', contentType: 'application/pdf', size: 1024 }),
      });
      const { document } = (await created.json()) as { document: { id: string } };
      return { headers, path: `/v1/documents/${document.id}` };
    },
    stop: async () => {
      await Promise.allSettled([s3.stop(), issuer.stop()]);
      sink.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

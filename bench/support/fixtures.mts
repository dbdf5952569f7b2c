// What the load benchmarks share: a throwaway database, a stand-in OTLP collector, and one document to read.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './harness.mts';

const require = createRequire(import.meta.url);
const { signLocalToken } = require(
  join(ROOT, 'dist/local/local-issuer.js'),
) as typeof import('../../src/local/local-issuer.ts');
const { LOCAL_CLIENT_ID } = require(
  join(ROOT, 'dist/config/app-config.js'),
) as typeof import('../../src/config/app-config.ts');

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  /** `http.request` audit events stored for `method route` (a route template). */
  auditedRequests(method: string, route: string): Promise<number>;
  drop(): Promise<void>;
}

/** A fresh database on the machine's PostgreSQL for one run; `drop()` removes it, connections and all. */
export async function benchDatabase(): Promise<BenchDatabase> {
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

export interface OtlpSink {
  endpoint: string;
  close(): void;
}

/** The collector stand-in: accepts OTLP and discards it, as the ADOT sidecar takes it off the process. */
export async function otlpSink(): Promise<OtlpSink> {
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

/**
 * A dev token of the local issuer under `dataDir` (read and write roles) and one document created through the
 * service at `serviceUrl`: the authenticated read the load benchmarks send.
 */
export async function readableDocument(
  serviceUrl: string,
  dataDir: string,
): Promise<{ headers: Record<string, string>; path: string }> {
  const token = await signLocalToken({
    dataDir,
    clientId: LOCAL_CLIENT_ID,
    roles: ['Documents.Read', 'Documents.Write'],
  });
  const headers = { authorization: `Bearer ${token}` };
  const created = await fetch(`${serviceUrl}/v1/documents`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench.txt', contentType: 'text/plain', size: 5 }),
  });
  const { document } = (await created.json()) as { document: { id: string } };
  return { headers, path: `/v1/documents/${document.id}` };
}

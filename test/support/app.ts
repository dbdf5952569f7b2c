import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp, type RunningApp } from '../../src/app.factory';
import { parseConfig, type AppConfig } from '../../src/config/app-config';
import { signLocalToken, type LocalTokenOptions } from '../../src/local/local-issuer';

export interface TestApp {
  url: string;
  config: AppConfig;
  running: RunningApp;
  token(options?: Omit<LocalTokenOptions, 'dataDir' | 'clientId'>): Promise<string>;
  close(): Promise<void>;
}

/** Starts the real app on port 0 with the embedded defaults plus whatever `env` adds. */
export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = parseConfig({ LOG_LEVEL: 'silent', PORT: '0', ...env });
  const running = await createApp(config);
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const address = running.app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    config,
    running,
    token: (options = {}) =>
      signLocalToken({ dataDir: config.localDataDir, clientId: config.entra.clientId, ...options }),
    close: () => running.close(),
  };
}

export async function tempDir(prefix = 'navius-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the machine's real PostgreSQL, dropped afterwards. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `navius_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const client = new Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface Json {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { [key: string]: unknown };
}

/** fetch that parses JSON (or problem+json) bodies. */
export async function call(url: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Json> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { ...init, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json['body']) : {} };
}

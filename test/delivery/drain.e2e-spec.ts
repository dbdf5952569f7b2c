import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../src/config/app-config';
import { signLocalToken } from '../../src/local/local-issuer';
import { freshDatabase, tempDir } from '../support/app';
import { startProcess } from '../support/process';

const DRAIN_DELAY_MS = 1_500;
const CONNECTIONS = 16;
/** Responses seen before SIGTERM is sent: the load is in full swing by then. */
const WARM_UP_RESPONSES = 300;

interface Answer {
  status: number;
  requestId: string;
  connectionClose: boolean;
  /** performance.now() when the load generator had the whole response. */
  at: number;
}

/** One access-log line of the service (the `request completed` entries, probes excluded). */
interface AccessLogLine {
  msg: string;
  reqId?: string;
  http?: { method: string; path: string; status: number };
}

function accessLog(stdout: string): AccessLogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as AccessLogLine)
    .filter((line) => line.msg === 'request completed');
}

function lowerCaseKeys(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), String(value)]));
}

describe('zero-downtime drain: SIGTERM under load', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    [dir, db] = await Promise.all([tempDir(), freshDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([dir.remove(), db.drop()]);
  });

  it('loses no request the service accepted: every answer is 2xx and delivered, then exit 0', async () => {
    const service = await startProcess({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `drain-${randomUUID()}:`,
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      LOG_LEVEL: 'info',
    });
    const token = await signLocalToken({
      dataDir: dir.path,
      clientId: LOCAL_CLIENT_ID,
      roles: ['Documents.Read', 'Documents.Write'],
    });

    const answers: Answer[] = [];
    const errors: Array<{ code: string; at: number }> = [];
    // Told apart by status (200 list, 201 create), not by autocannon's request: it can pair a response with the
    // wrong request after a reconnect. The request id is the one the service echoes.
    const record = (status: number, _body: string, _context: object, headers?: Record<string, unknown>) => {
      const lower = lowerCaseKeys(headers ?? {});
      answers.push({
        status,
        requestId: lower['x-request-id'] ?? '',
        connectionClose: lower['connection']?.toLowerCase() === 'close',
        at: performance.now(),
      });
    };
    let warmedUp: () => void = () => undefined;
    const warm = new Promise<void>((resolve) => (warmedUp = resolve));

    // Reads and writes (a database insert and a presigned URL per POST) with a unique X-Request-Id each.
    let finish: (result: autocannon.Result) => void = () => undefined;
    const finished = new Promise<autocannon.Result>((resolve) => (finish = resolve));
    const load = autocannon(
      {
        url: service.url,
        connections: CONNECTIONS,
        duration: 60,
        timeout: 20,
        idReplacement: true,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'drain-[<id>]' },
        requests: [
          { method: 'GET', path: '/v1/documents?limit=5', onResponse: record },
          {
            method: 'POST',
            path: '/v1/documents',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'drain.txt', contentType: 'text/plain', size: 5 }),
            onResponse: record,
          },
        ],
      },
      (_error, result) => finish(result),
    );
    load.on('response', () => {
      if (answers.length >= WARM_UP_RESPONSES) warmedUp();
    });
    load.on('reqError', (error: NodeJS.ErrnoException) =>
      errors.push({ code: error.code ?? error.message, at: performance.now() }),
    );

    await warm;
    const sigtermAt = performance.now();
    service.child.kill('SIGTERM');

    // Readiness turns 503 while the load keeps being served.
    let readyStatus = 0;
    let readyAt = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 200 && readyStatus !== 503; attempt += 1) {
      readyStatus = (await fetch(`${service.url}/health/ready`)).status;
      if (readyStatus === 503) readyAt = performance.now();
    }
    expect(readyStatus).toBe(503);

    const exit = await service.exited;
    load.stop();
    const result = await finished;

    // The process finished its drain itself: exit 0, never the deadline's exit 1.
    expect(exit.code, `service output:\n${exit.stdout.slice(-6_000)}\n${exit.stderr.slice(-2_000)}`).toBe(0);
    expect(exit.stdout).toContain('SIGTERM: draining');
    expect(exit.stdout).toContain('stopped');

    // Every answer the load generator received was a success; none timed out.
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 201)).toEqual([]);
    expect(result.non2xx).toBe(0);
    expect(result.timeouts).toBe(0);

    // The service kept serving after readiness had turned 503, and told each client to reconnect elsewhere.
    const afterReadinessFailed = answers.filter((answer) => answer.at > readyAt);
    expect(afterReadinessFailed.length).toBeGreaterThan(0);
    expect(afterReadinessFailed.some((answer) => answer.status === 201)).toBe(true);
    expect(answers.filter((answer) => answer.at > sigtermAt && answer.connectionClose).length).toBeGreaterThan(0);

    // What the service completed is exactly what the clients received: no accepted request lost its answer.
    const completed = accessLog(exit.stdout).filter((line) => line.http?.path.startsWith('/v1/documents'));
    expect(completed.filter((line) => (line.http?.status ?? 0) >= 300)).toEqual([]);
    const served = new Set(completed.map((line) => line.reqId ?? ''));
    const received = new Set(answers.map((answer) => answer.requestId));
    expect(served.size).toBe(completed.length);
    expect([...served].filter((id) => !received.has(id))).toEqual([]);
    expect([...received].filter((id) => !served.has(id))).toEqual([]);

    // No write ran without its answer reaching the client.
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM documents');
    await client.end();
    expect(Number(rows[0]?.count)).toBe(answers.filter((answer) => answer.status === 201).length);

    // Connections failed only once the listener closed (after the drain delay): refused, or reset before the
    // service had read a request from them. None failed while the service still accepted work.
    expect(errors.filter((error) => error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET')).toEqual([]);
    expect(errors.filter((error) => error.at < sigtermAt + DRAIN_DELAY_MS)).toEqual([]);
  }, 120_000);
});

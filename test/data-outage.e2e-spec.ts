import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApp, tempDir, type TestApp } from './support/app';
import { startPostgres, startTraffic, waitFor, type PostgresServer, type TrafficResult } from './support/services';

/** A 5xx other than a proper 503 (problem+json, Retry-After in whole seconds) is a defect. */
function inspect(response: Response, body: string): string | undefined {
  if (response.status < 500) return undefined;
  if (response.status !== 503) return `${response.status}: ${body}`;
  if (!response.headers.get('content-type')?.startsWith('application/problem+json')) return `503 not problem+json`;
  if (!/^[1-9]\d*$/.test(response.headers.get('retry-after') ?? '')) return '503 without a Retry-After in seconds';
  return undefined;
}

const count = (result: TrafficResult, status: string) => result.byStatus[status] ?? 0;

describe('the service while its database stops and starts under traffic', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: PostgresServer;
  let app: TestApp;

  beforeAll(async () => {
    dir = await tempDir();
    // A PostgreSQL of this test's own: the machine's shared one keeps serving the other suites.
    server = await startPostgres();
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: server.url(),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      CACHE_LOCAL_MAX_ENTRIES: '0',
      AUDIT_ACCESS_LOG: 'false',
    });
  });

  afterAll(async () => {
    await app?.close();
    await server?.destroy();
    await dir?.remove();
  });

  it('answers 503 problem+json with Retry-After, never a 500 nor a hung request, and recovers without a restart', async () => {
    const token = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token,
      json: { name: 'outage.txt', contentType: 'text/plain', size: 3 },
    });
    expect(created.status).toBe(201);
    const id = (created.body.document as { id: string }).id;

    const reads = startTraffic((signal) => fetch(`${app.url}/v1/documents/${id}`, { headers, signal }), {
      concurrency: 4,
      inspect,
    });
    const writes = startTraffic(
      (signal) =>
        fetch(`${app.url}/v1/documents`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: 'w.txt', contentType: 'text/plain', size: 1 }),
          signal,
        }),
      { concurrency: 2, inspect },
    );
    await waitFor(async () => count(reads.snapshot(), '200') >= 20 && count(writes.snapshot(), '201') >= 5, 'traffic');

    await server.stop();
    await waitFor(async () => count(reads.snapshot(), '503') >= 20 && count(writes.snapshot(), '503') >= 5, '503s');
    // Stay down past the circuit's 5 s half-open time: trial queries then meet the refused connections too.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const ready = await call(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);

    await server.start();
    const [readsBefore, writesBefore] = [count(reads.snapshot(), '200'), count(writes.snapshot(), '201')];
    await waitFor(
      async () =>
        count(reads.snapshot(), '200') >= readsBefore + 20 && count(writes.snapshot(), '201') >= writesBefore + 5,
      'recovery',
    );
    const [read, written] = await Promise.all([reads.stop(), writes.stop()]);

    expect([...read.problems, ...written.problems]).toEqual([]);
    expect(Object.keys(read.byStatus).sort()).toEqual(['200', '503']);
    expect(Object.keys(written.byStatus).sort()).toEqual(['201', '503']);
    expect((await call(`${app.url}/health/ready`)).status).toBe(200);
  });
});

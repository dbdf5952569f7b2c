import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';
import { startRedis, startTraffic, waitFor, type RedisServer } from './support/services';

const OTHER_USER = '7c1c7a9e-3a61-4c55-9a43-2d1f0f6b8e01';

/** Two instances on one database and one Redis, sharing the local issuer's key so one token works on both. */
async function twoInstances(env: Record<string, string>) {
  const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
  const common = { LOCAL_DATA_DIR: dir.path, DATABASE_URL: database.url, AUDIT_ACCESS_LOG: 'false', ...env };
  const a = await startApp(common);
  const b = await startApp(common);
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([database.drop(), dir.remove()]);
    },
  };
}

async function createDocument(app: TestApp, token: string): Promise<string> {
  const created = await call(`${app.url}/v1/documents`, {
    method: 'POST',
    token,
    json: { name: 'cached.txt', contentType: 'text/plain', size: 4 },
  });
  expect(created.status).toBe(201);
  return (created.body.document as { id: string }).id;
}

describe('the in-process tier across two instances', () => {
  let pair: Awaited<ReturnType<typeof twoInstances>>;

  beforeAll(async () => {
    // A long local TTL: only an invalidation message can remove b's copy.
    pair = await twoInstances({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `e2e-${randomUUID()}:`,
      CACHE_LOCAL_TTL_MS: '600000',
    });
  });
  afterAll(async () => pair?.close());

  it("drops the other instance's copy when one instance deletes the document", async () => {
    const { a, b } = pair;
    const token = await a.token({ roles: ['Documents.Read', 'Documents.Write'] });
    const id = await createDocument(a, token);
    expect((await call(`${b.url}/v1/documents/${id}`, { token })).status).toBe(200);
    expect((await call(`${b.url}/v1/documents/${id}`, { token })).status).toBe(200);

    expect((await call(`${a.url}/v1/documents/${id}`, { method: 'DELETE', token })).status).toBe(204);
    const deletedAt = performance.now();
    await expect
      .poll(async () => (await call(`${b.url}/v1/documents/${id}`, { token })).status, {
        interval: 2,
        timeout: 5_000,
      })
      .toBe(404);
    // Reported, not asserted (shared machine): the propagation time seen over HTTP.
    console.info(`cross-instance invalidation seen after ${(performance.now() - deletedAt).toFixed(1)} ms`);
  });
});

describe('reads while the configured Redis stops and starts', () => {
  let redis: RedisServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let app: TestApp;

  beforeAll(async () => {
    [redis, dir, database] = await Promise.all([startRedis(), tempDir(), freshDatabase()]);
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      CACHE_LOCAL_MAX_ENTRIES: '0',
      AUDIT_ACCESS_LOG: 'false',
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([redis?.destroy(), database?.drop(), dir?.remove()]);
  });

  it('answers every read (0 5xx) from the database while Redis is down, and caches in Redis again after', async () => {
    const token = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    const ids = await Promise.all([1, 2, 3].map(() => createDocument(app, token)));
    const headers = { authorization: `Bearer ${token}` };
    let next = 0;
    const traffic = startTraffic(
      (signal) => fetch(`${app.url}/v1/documents/${ids[next++ % ids.length]}`, { headers, signal }),
      { concurrency: 4 },
    );
    const ok = () => traffic.snapshot().byStatus['200'] ?? 0;
    await waitFor(async () => ok() >= 30, 'reads through Redis');
    await redis.stop();
    const downAt = ok();
    await waitFor(async () => ok() >= downAt + 100, 'reads while Redis is down');
    const health = await call(`${app.url}/health/ready`);
    expect(health.status).toBe(200);
    expect((health.body.info as { cache: { redis: string } }).cache.redis).toBe('down');

    await redis.start();
    await waitFor(async () => {
      const ready = await call(`${app.url}/health/ready`);
      const { cache } = ready.body.info as { cache: { redis: string; circuit: string } };
      return cache.redis === 'up' && cache.circuit === 'closed';
    }, 'Redis back in use');
    const upAt = ok();
    await waitFor(async () => ok() >= upAt + 30, 'reads after recovery');
    const result = await traffic.stop();
    expect(result.byStatus).toEqual({ '200': expect.any(Number) });
  });
});

describe('rate limiting per caller (RATE_LIMIT_LIMIT)', () => {
  let pair: Awaited<ReturnType<typeof twoInstances>>;

  beforeAll(async () => {
    pair = await twoInstances({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `e2e-${randomUUID()}:`,
      RATE_LIMIT_LIMIT: '5',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
  });
  afterAll(async () => pair?.close());

  it('gives each caller one budget across instances, then 429 problem+json with Retry-After', async () => {
    const { a, b } = pair;
    const user = await a.token({ scopes: ['Documents.Read'] });
    const statuses = [];
    for (const app of [a, b, a, b, a]) statuses.push((await call(`${app.url}/v1/me`, { token: user })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const refused = await call(`${b.url}/v1/me`, { token: user });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests' });

    // Another user of the same tenant, and an app, each have their own budget; health probes are never limited.
    expect((await call(`${a.url}/v1/me`, { token: await a.token({ objectId: OTHER_USER }) })).status).toBe(200);
    expect(
      (await call(`${a.url}/v1/me`, { token: await a.token({ app: true, roles: ['Documents.Read'] }) })).status,
    ).toBe(200);
    for (let i = 0; i < 8; i++) expect((await call(`${a.url}/health/live`)).status).toBe(200);
  });

  it('limits callers without a valid token by client IP', async () => {
    const { a } = pair;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(`${a.url}/v1/me`, { token: 'not-a-token' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // The budget is the IP's across routes.
    expect((await call(`${a.url}/v1/documents`)).status).toBe(429);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApp, tempDir, type TestApp } from './support/app';

describe('health and API docs', () => {
  let app: TestApp;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
    app = await startApp({ LOCAL_DATA_DIR: dir.path, REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await app.close();
    await dir.remove();
  });

  it('is live and ready, reporting an unreachable Redis without failing readiness', async () => {
    expect((await call(`${app.url}/health/live`)).status).toBe(200);
    const ready = await call(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({
      database: { status: 'up' },
      storage: { status: 'up' },
      'token-keys': { status: 'up' },
      cache: { status: 'up', redis: 'down' },
    });
  });

  it('serves documents without Redis (the cache is not required for correctness)', async () => {
    const token = await app.token({ roles: ['Documents.Read'] });
    const list = await call(`${app.url}/v1/documents`, { token });
    expect(list.status).toBe(200);
  });

  it('publishes an OpenAPI 3 document generated from the code, with the bearer scheme', async () => {
    const openapi = await call(`${app.url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toMatch(/^3\./);
    const paths = openapi.body.paths as Record<string, Record<string, { security?: unknown[] }>>;
    for (const path of [
      '/v1/me',
      '/v1/documents',
      '/v1/documents/{id}',
      '/v1/documents/{id}/complete',
      '/v1/documents/{id}/download',
    ]) {
      expect(paths[path], path).toBeDefined();
    }
    expect(paths['/v1/documents']?.post?.security).toEqual([{ entra: [] }]);
    const schemes = (openapi.body.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    expect(schemes.entra).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const body = JSON.stringify(paths['/v1/documents']?.post);
    for (const field of ['name', 'contentType', 'size', 'sha256']) expect(body).toContain(field);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${app.url}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger-ui');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsTenantUsage } from '../src/aws/aws.usage';
import { startFaultServer, type FaultServer } from '../src/aws/aws.testing';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';

const OTHER_TENANT = '7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b';
const content = Buffer.from('aws core e2e');

/** The real app (local profile) with its S3 endpoint replaced by a loopback server that answers chosen faults. */
describe('AWS core in the running service', () => {
  let app: TestApp;
  let faults: FaultServer;
  let writer: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    // The SDK's default chain, from the environment: a test key, never a real one.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDE2ETESTKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'e2e-test-secret');
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    faults = await startFaultServer();
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_ENDPOINT: faults.endpoint,
      AWS_MAX_ATTEMPTS: '1',
      AWS_CIRCUIT_FAILURE_THRESHOLD: '3',
      AWS_CIRCUIT_HALF_OPEN_MS: '600000',
      AWS_USAGE_LOG_INTERVAL_MS: '0',
    });
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'], tenantId: OTHER_TENANT });
    cleanup = async () => {
      await app.close();
      await faults.close();
      await database.drop();
      await dir.remove();
      vi.unstubAllEnvs();
    };
  });
  afterAll(async () => cleanup?.());

  async function createDocument(): Promise<string> {
    const created = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      json: { name: 'aws.txt', contentType: 'text/plain', size: content.length },
    });
    expect(created.status).toBe(201);
    return (created.body.document as { id: string }).id;
  }

  const complete = (id: string) => call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });

  it('is ready with the AWS indicator up, signing with the shared default-chain credentials', async () => {
    const ready = await call(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({
      storage: { status: 'up' },
      aws: { status: 'up', credentials: 'resolved', identity: 'not probed', circuits: { s3: 'closed' } },
    });
    expect(faults.lastRequest()?.headers.authorization).toContain('Credential=AKIDE2ETESTKEY/');
  });

  it('turns an AWS AccessDenied into a 503 for the caller, never their 403', async () => {
    const id = await createDocument();
    faults.answer({ status: 403, code: 'AccessDenied' });
    const denied = await complete(id);
    expect(denied.status).toBe(503);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');
    expect(denied.headers.get('retry-after')).toBe('30');
    expect(JSON.stringify(denied.body)).not.toMatch(/AccessDenied|403/);
  });

  it('attributes AWS calls to the caller’s tenant in the usage log, not in metrics', () => {
    const usage = app.running.app.get(AwsTenantUsage).snapshot();
    expect(usage[OTHER_TENANT]?.calls.s3).toBeGreaterThanOrEqual(1);
    expect(usage['(none)']?.calls.s3).toBeGreaterThanOrEqual(1);
  });

  it('fails fast with 503 and Retry-After once the S3 circuit opens, and readiness reports it', async () => {
    const id = await createDocument();
    faults.answer({ status: 500, code: 'InternalError' });
    for (let i = 0; i < 3; i++) {
      const outage = await complete(id);
      expect(outage.status).toBe(503);
      expect(outage.headers.get('retry-after')).toBe('5');
    }
    const before = faults.requests();
    const fast = await complete(id);
    expect(fast.status).toBe(503);
    expect(Number(fast.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(faults.requests()).toBe(before);

    const ready = await call(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ storage: { status: 'down' }, aws: { circuits: { s3: 'open' } } });
    expect(faults.requests()).toBe(before);
  });

  it('keeps presigned URLs working while S3 is down (signing is local)', async () => {
    const created = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      json: {
        name: 'offline.txt',
        contentType: 'text/plain',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
    });
    expect(created.status).toBe(201);
    expect(new URL((created.body.upload as { url: string }).url).origin).toBe(faults.endpoint);
  });
});

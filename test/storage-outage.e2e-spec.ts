import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLoopbackSts, type LoopbackSts } from '../src/aws/aws.testing';
import { LocalS3 } from '../src/local/local-s3';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';
import { createDocument, eventually, uploadContent } from './support/uploads';

const BUCKET = 'navius-outage';

/**
 * The real app against a primary S3 endpoint that the test stops and restarts on the same port, with a second
 * embedded endpoint as the disaster-recovery replica (S3_FAILOVER_ENDPOINT).
 */
describe('S3 outage: 503 with Retry-After, downloads from the replica, recovery', () => {
  let app: TestApp;
  let primary: LocalS3;
  let replica: LocalS3;
  let primaryDir: string;
  let port: number;
  let writer: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    const [dir, primaryData, replicaData, database] = await Promise.all([
      tempDir(),
      tempDir(),
      tempDir(),
      freshDatabase(),
    ]);
    primaryDir = primaryData.path;
    primary = await LocalS3.start({ dataDir: primaryDir, bucket: BUCKET });
    port = Number(new URL(primary.endpoint).port);
    replica = await LocalS3.start({ dataDir: replicaData.path, bucket: BUCKET });
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_ENDPOINT: primary.endpoint,
      S3_BUCKET: BUCKET,
      S3_FAILOVER_ENDPOINT: replica.endpoint,
      AWS_MAX_ATTEMPTS: '1',
      AWS_CIRCUIT_FAILURE_THRESHOLD: '2',
      AWS_CIRCUIT_HALF_OPEN_MS: '300',
      S3_REQUEST_TIMEOUT_MS: '1000',
    });
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    cleanup = async () => {
      await app.close();
      await primary.stop();
      await replica.stop();
      await Promise.all([dir.remove(), primaryData.remove(), replicaData.remove(), database.drop()]);
      vi.unstubAllEnvs();
    };
  });
  afterAll(async () => cleanup?.());

  const complete = (id: string) => call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });

  it('answers 503 + Retry-After while S3 is down, serves downloads from the replica, and recovers', async () => {
    const content = Buffer.from('replicated before the outage');
    const available = await createDocument(app.url, writer, { name: 'r.txt', contentType: 'text/plain', size: 28 });
    await uploadContent(available.upload, content);
    expect((await complete(available.id)).status).toBe(200);
    const key = new URL(available.upload.url).pathname.replace(`/${BUCKET}/`, '');
    // What cross-region replication would have copied.
    const replicaClient = new S3Client({
      region: 'us-east-1',
      endpoint: replica.endpoint,
      forcePathStyle: true,
      credentials: { ...replica.credentials },
    });
    await replicaClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: content }));
    replicaClient.destroy();
    const waiting = await createDocument(app.url, writer, { name: 'w.txt', contentType: 'text/plain', size: 4 });
    await uploadContent(waiting.upload, Buffer.from('wait'));

    await primary.stop();
    const outage = await complete(waiting.id);
    expect(outage.status).toBe(503);
    expect(outage.headers.get('content-type')).toContain('application/problem+json');
    expect(outage.headers.get('retry-after')).toBe('5');
    await complete(waiting.id);
    const fast = await complete(waiting.id);
    expect(fast.status).toBe(503);
    expect(Number(fast.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const download = await call(`${app.url}/v1/documents/${available.id}/download`, { token: writer });
    expect(download.status).toBe(200);
    const url = new URL(download.body.url as string);
    expect(url.origin).toBe(replica.endpoint);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(content)).toBe(true);

    primary = await LocalS3.start({ dataDir: primaryDir, bucket: BUCKET, port });
    // The circuit lets a trial call through after AWS_CIRCUIT_HALF_OPEN_MS; the next completion succeeds.
    expect(await eventually(async () => (await complete(waiting.id)).status === 200)).toBe(true);
    const back = await call(`${app.url}/v1/documents/${available.id}/download`, { token: writer });
    expect(new URL(back.body.url as string).origin).toBe(primary.endpoint);
  });
});

/** Assumed-role credentials from a loopback STS that expire in 15 minutes, with URL TTLs configured at an hour. */
describe('presigned URL expiry capped by the signing credentials', () => {
  let app: TestApp;
  let sts: LoopbackSts;
  let s3: LocalS3;
  let writer: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDBASEKEYFORSTS');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'base-secret-not-real');
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    sts = await startLoopbackSts();
    s3 = await LocalS3.start({ dataDir: dir.path, bucket: BUCKET });
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: BUCKET,
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/navius-documents',
      AWS_ROLE_DURATION_SECONDS: '900',
      AWS_CREDENTIALS_REFRESH_SECONDS: '0',
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      S3_UPLOAD_URL_TTL_SECONDS: '3600',
      S3_DOWNLOAD_URL_TTL_SECONDS: '3600',
    });
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    cleanup = async () => {
      await app.close();
      await s3.stop();
      await sts.close();
      await database.drop();
      await dir.remove();
      vi.unstubAllEnvs();
    };
  });
  afterAll(async () => cleanup?.());

  it('signs PUT and POST uploads that die with the assumed-role session, not after the configured hour', async () => {
    const put = await createDocument(app.url, writer, { name: 'a.txt', contentType: 'text/plain', size: 1 });
    expect(put.status).toBe(201);
    const session = sts.assumeRoleCalls.at(-1);
    expect(session).toBeDefined();
    const sessionEnd = (session?.at ?? 0) + 900_000;
    const url = new URL(put.upload.url);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIATESTSESSION\d+\//);
    expect(url.searchParams.get('X-Amz-Security-Token')).toMatch(/^session-token-/);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(800);
    expect(Date.parse(put.upload.expiresAt)).toBeLessThanOrEqual(sessionEnd);

    const post = await createDocument(app.url, writer, {
      name: 'b.txt',
      contentType: 'text/plain',
      size: 1,
      uploadMethod: 'POST',
    });
    expect(post.upload.fields?.['X-Amz-Security-Token']).toMatch(/^session-token-/);
    expect(Date.parse(post.upload.expiresAt)).toBeLessThanOrEqual(sessionEnd);
    expect(Date.parse(post.upload.expiresAt)).toBeGreaterThan(Date.now() + 800_000);
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, UnavailableError } from '../errors/domain-errors';
import { LocalS3 } from '../local/local-s3';
import { StorageModule } from './storage.module';
import type { StorageModuleOptions } from './storage.module-definition';
import { StorageService } from './storage.service';

const BUCKET = 'navius-spec';

function sha256Base64(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

async function createStorage(
  options: StorageModuleOptions,
): Promise<{ storage: StorageService; close: () => Promise<void> }> {
  const context = await NestFactory.createApplicationContext(StorageModule.forRoot(options), { logger: false });
  return { storage: context.get(StorageService), close: () => context.close() };
}

describe('StorageService against the embedded S3 endpoint', () => {
  let dataDir: string;
  let s3: LocalS3;
  let options: StorageModuleOptions;
  let storage: StorageService;
  let closeStorage: () => Promise<void>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'navius-storage-'));
    s3 = await LocalS3.start({ dataDir, bucket: BUCKET });
    options = {
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { ...s3.credentials },
      requestTimeoutMs: 2_000,
    };
    ({ storage, close: closeStorage } = await createStorage(options));
  });

  afterAll(async () => {
    await closeStorage?.();
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function newKey(): string {
    return storage.documentObjectKey(randomUUID(), randomUUID());
  }

  async function upload(key: string, body: Buffer, sha256?: string): Promise<void> {
    const presigned = await storage.presignUpload({
      key,
      contentType: 'application/pdf',
      contentLength: body.length,
      sha256Base64: sha256,
    });
    // Without WHEN_REQUIRED the SDK would sign a CRC32 of an empty body into the URL, and real S3 would refuse the PUT.
    const query = new URL(presigned.url).searchParams;
    expect([...query.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    const response = await fetch(presigned.url, {
      method: presigned.method,
      headers: presigned.headers,
      body: new Uint8Array(body),
    });
    expect(response.status, await response.text()).toBe(200);
  }

  it('builds tenant-scoped keys from GUIDs only', () => {
    const tenant = randomUUID();
    const document = randomUUID();
    expect(storage.documentObjectKey(tenant, document)).toBe(`tenants/${tenant}/documents/${document}`);
    expect(() => storage.documentObjectKey('../other', document)).toThrow(InvalidInputError);
    expect(() => storage.documentObjectKey(tenant, `${document}/../x`)).toThrow(InvalidInputError);
    expect(() => storage.documentObjectKey(tenant, 'not-a-guid')).toThrow(InvalidInputError);
  });

  it('presigns a PUT that uploads the bytes with exactly the returned headers', async () => {
    const key = newKey();
    const body = Buffer.from('%PDF-1.7 hello');
    const checksum = sha256Base64(body);
    const before = Date.now();
    const presigned = await storage.presignUpload({
      key,
      contentType: 'application/pdf',
      contentLength: body.length,
      sha256Base64: checksum,
    });

    expect(presigned.method).toBe('PUT');
    expect(presigned.headers).toEqual({
      'content-type': 'application/pdf',
      'content-length': String(body.length),
      'x-amz-checksum-sha256': checksum,
    });
    const url = new URL(presigned.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual([
      'content-length',
      'content-type',
      'host',
      'x-amz-checksum-sha256',
    ]);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.has('x-amz-sdk-checksum-algorithm')).toBe(false);
    expect(url.searchParams.has('x-amz-checksum-crc32')).toBe(false);
    const expiresAt = Date.parse(presigned.expiresAt);
    expect(expiresAt).toBeGreaterThan(before + 898_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);

    const response = await fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body });
    expect(response.status).toBe(200);
    await expect(storage.verifyObject(key, { size: body.length, sha256Base64: checksum })).resolves.toEqual({
      ok: true,
    });
  });

  it('signs SSE-KMS headers the client must send when a KMS key is configured', async () => {
    const kms = await createStorage({ ...options, kmsKeyId: 'alias/navius-documents' });
    try {
      const presigned = await kms.storage.presignUpload({ key: newKey(), contentType: 'text/plain', contentLength: 3 });
      expect(presigned.headers).toEqual({
        'content-type': 'text/plain',
        'content-length': '3',
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': 'alias/navius-documents',
      });
      const signed = new URL(presigned.url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
      expect(signed).toContain('x-amz-server-side-encryption');
      expect(signed).toContain('x-amz-server-side-encryption-aws-kms-key-id');
    } finally {
      await kms.close();
    }
  });

  it('verifies size and checksum of the stored object, hashing it when the server gives no SHA-256', async () => {
    const key = newKey();
    const body = Buffer.from('the real content');
    await upload(key, body);

    await expect(storage.verifyObject(key, { size: body.length })).resolves.toEqual({ ok: true });
    await expect(storage.verifyObject(key, { size: body.length, sha256Base64: sha256Base64(body) })).resolves.toEqual({
      ok: true,
    });
    await expect(storage.verifyObject(key, { size: body.length + 1 })).resolves.toEqual({ ok: false, reason: 'size' });
    await expect(
      storage.verifyObject(key, { size: body.length, sha256Base64: sha256Base64(Buffer.from('the fake content')) }),
    ).resolves.toEqual({ ok: false, reason: 'checksum' });
    await expect(storage.verifyObject(newKey(), { size: 1 })).resolves.toEqual({ ok: false, reason: 'missing' });
  });

  it('presigns a GET that downloads the bytes as an attachment with the original name', async () => {
    const key = newKey();
    const body = Buffer.from('bonjour le monde');
    await upload(key, body);

    const download = await storage.presignDownload({
      key,
      filename: 'Résumé "final" ü.pdf',
      contentType: 'application/pdf',
    });
    expect(new URL(download.url).searchParams.get('X-Amz-Expires')).toBe('300');
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(body);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Resume _final_ u.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20%C3%BC.pdf`,
    );
  });

  it('deletes idempotently; the object is then missing', async () => {
    const key = newKey();
    const body = Buffer.from('to be deleted');
    await upload(key, body);
    await storage.deleteObject(key);
    await expect(storage.verifyObject(key, { size: body.length })).resolves.toEqual({ ok: false, reason: 'missing' });
    await expect(storage.deleteObject(key)).resolves.toBeUndefined();
  });

  it('never signs a URL that outlives the credentials', async () => {
    const expiration = new Date(Date.now() + 60_000);
    const shortLived = await createStorage({ ...options, credentials: { ...s3.credentials, expiration } });
    try {
      const presigned = await shortLived.storage.presignUpload({
        key: newKey(),
        contentType: 'text/plain',
        contentLength: 1,
      });
      const expiresIn = Number(new URL(presigned.url).searchParams.get('X-Amz-Expires'));
      expect(expiresIn).toBeGreaterThan(55);
      expect(expiresIn).toBeLessThanOrEqual(60);
      expect(Date.parse(presigned.expiresAt)).toBeLessThanOrEqual(expiration.getTime());
    } finally {
      await shortLived.close();
    }
  });

  it('caps URL lifetimes at the 7-day SigV4 limit', async () => {
    const longTtl = await createStorage({ ...options, downloadUrlTtlSeconds: 30 * 24 * 3600 });
    try {
      const download = await longTtl.storage.presignDownload({
        key: newKey(),
        filename: 'a.txt',
        contentType: 'text/plain',
      });
      expect(new URL(download.url).searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600));
    } finally {
      await longTtl.close();
    }
  });

  it('reports the bucket usable while the endpoint runs', async () => {
    await expect(storage.checkBucket()).resolves.toBeUndefined();
  });
});

describe('StorageService when the S3 endpoint is down', () => {
  it('throws UnavailableError quickly instead of hanging', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'navius-storage-down-'));
    const s3 = await LocalS3.start({ dataDir, bucket: BUCKET });
    const { storage, close } = await createStorage({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { ...s3.credentials },
      requestTimeoutMs: 500,
    });
    try {
      await storage.checkBucket();
      await s3.stop();
      const started = Date.now();
      await expect(storage.checkBucket()).rejects.toBeInstanceOf(UnavailableError);
      await expect(
        storage.verifyObject(storage.documentObjectKey(randomUUID(), randomUUID()), { size: 1 }),
      ).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/domain-errors';
import { LocalS3 } from '../local/local-s3';
import { StorageModule } from './storage.module';
import type { StorageModuleOptions } from './storage.module-definition';
import { MULTIPART_LIMITS, MultipartUploads } from './storage.multipart';
import { StorageService } from './storage.service';
import type { PresignedMultipart, UploadedPart } from './storage.types';

const BUCKET = 'navius-multipart';
const MIB = 1024 ** 2;

interface Endpoint {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** True for an endpoint that checks part ETags and implements AbortMultipartUpload like S3 does. */
  strict: boolean;
  stop(): Promise<void>;
}

/** The embedded s3rver, and fauxqs's S3 (which, unlike s3rver, checks part ETags and can abort uploads). */
const endpoints: Record<string, () => Promise<Endpoint>> = {
  s3rver: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'navius-multipart-'));
    const s3 = await LocalS3.start({ dataDir, bucket: BUCKET });
    return {
      endpoint: s3.endpoint,
      credentials: { ...s3.credentials },
      strict: false,
      stop: async () => {
        await s3.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  fauxqs: async () => {
    const { buildApp } = await import('fauxqs');
    const app = buildApp({ logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    return { endpoint, credentials, strict: true, stop: () => app.close() };
  },
};

async function uploadParts(upload: PresignedMultipart, content: Buffer): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  for (const part of upload.parts) {
    const start = (part.partNumber - 1) * upload.partSize;
    const body = new Uint8Array(content.subarray(start, start + part.size));
    const response = await fetch(part.url, { method: 'PUT', headers: upload.headers, body });
    expect(response.status, await response.text()).toBe(200);
    parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' });
  }
  return parts;
}

describe.each(Object.keys(endpoints))('multipart uploads against %s', (name) => {
  let target: Endpoint;
  let multipart: MultipartUploads;
  let storage: StorageService;
  let close: () => Promise<void>;

  beforeAll(async () => {
    target = await (endpoints[name] as () => Promise<Endpoint>)();
    const options: StorageModuleOptions = {
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: target.endpoint,
      forcePathStyle: true,
      credentials: target.credentials,
      multipartThresholdBytes: 5 * MIB,
      multipartPartBytes: 5 * MIB,
    };
    const context = await NestFactory.createApplicationContext(StorageModule.forRoot(options), { logger: false });
    multipart = context.get(MultipartUploads);
    storage = context.get(StorageService);
    close = () => context.close();
  });

  afterAll(async () => {
    await close?.();
    await target?.stop();
  });

  const newKey = () => storage.documentObjectKey(randomUUID(), randomUUID());

  it('uploads through presigned part URLs, completes with the ETags, and stores exactly the bytes', async () => {
    const content = randomBytes(11 * MIB + 12_345);
    const key = newKey();
    const upload = await multipart.create({ key, contentType: 'application/zip', contentLength: content.length });
    expect(upload.partSize).toBe(5 * MIB);
    expect(upload.parts.map((part) => part.size)).toEqual([5 * MIB, 5 * MIB, MIB + 12_345]);
    expect(upload.url).toBe(upload.parts[0]?.url);
    const firstUrl = new URL(upload.url);
    expect(firstUrl.searchParams.get('uploadId')).toBe(upload.uploadId);
    expect(firstUrl.searchParams.get('partNumber')).toBe('1');
    // The part size is fixed by the signature.
    expect(firstUrl.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');

    const parts = await uploadParts(upload, content);
    await expect(multipart.complete(key, upload.uploadId, parts.reverse())).resolves.toEqual({ ok: true });
    const sha256 = createHash('sha256').update(content).digest('base64');
    await expect(storage.verifyObject(key, { size: content.length, sha256Base64: sha256 })).resolves.toEqual({
      ok: true,
    });
  });

  it.runIf(name === 'fauxqs')('reports parts S3 refuses (a wrong ETag) instead of failing with a 5xx', async () => {
    const content = randomBytes(6 * MIB);
    const key = newKey();
    const upload = await multipart.create({ key, contentType: 'application/zip', contentLength: content.length });
    const parts = await uploadParts(upload, content);
    const wrong = parts.map((part) => (part.partNumber === 2 ? { ...part, etag: '"0123456789abcdef"' } : part));
    await expect(multipart.complete(key, upload.uploadId, wrong)).resolves.toEqual({ ok: false, reason: 'parts' });
    await expect(multipart.complete(key, upload.uploadId, parts)).resolves.toEqual({ ok: true });
  });

  it('aborts an upload: its parts are gone and completing it reports no upload', async () => {
    const content = randomBytes(6 * MIB);
    const key = newKey();
    const upload = await multipart.create({ key, contentType: 'application/zip', contentLength: content.length });
    const parts = await uploadParts(upload, content);
    await multipart.abort(key, upload.uploadId);
    await expect(multipart.abort(key, upload.uploadId)).resolves.toBeUndefined();
    if (target.strict) {
      await expect(multipart.complete(key, upload.uploadId, parts)).resolves.toEqual({
        ok: false,
        reason: 'no-upload',
      });
      await expect(storage.verifyObject(key, { size: content.length })).resolves.toEqual({
        ok: false,
        reason: 'missing',
      });
    }
  });
});

describe('multipart part plan', () => {
  const plan = (partBytes: number, size: number) =>
    new MultipartUploads({
      options: { bucket: 'b', multipartPartBytes: partBytes },
    } as never).planParts(size);

  it('uses the preferred part size, raised in whole MiB until 10,000 parts hold the object', () => {
    expect(plan(16 * MIB, 100 * MIB + 1)).toEqual({ partSize: 16 * MIB, partCount: 7 });
    const huge = plan(16 * MIB, MULTIPART_LIMITS.maxObjectBytes);
    expect(huge.partCount).toBeLessThanOrEqual(MULTIPART_LIMITS.maxParts);
    expect(huge.partSize % MIB).toBe(0);
    expect(huge.partSize).toBeLessThanOrEqual(MULTIPART_LIMITS.maxPartBytes);
    expect(plan(1, 20 * MIB).partSize).toBe(MULTIPART_LIMITS.minPartBytes);
  });

  it('refuses sizes S3 cannot hold', () => {
    expect(() => plan(16 * MIB, MULTIPART_LIMITS.maxObjectBytes + 1)).toThrow(InvalidInputError);
    expect(() => plan(16 * MIB, 0)).toThrow(InvalidInputError);
  });
});

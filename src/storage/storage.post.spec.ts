import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/domain-errors';
import { LocalS3 } from '../local/local-s3';
import { StorageModule } from './storage.module';
import type { StorageModuleOptions } from './storage.module-definition';
import { StorageService } from './storage.service';
import type { PresignedPost } from './storage.types';

const BUCKET = 'navius-post';

interface Policy {
  expiration: string;
  conditions: Array<Record<string, string> | [string, string | number, string | number]>;
}

function policyOf(post: PresignedPost): Policy {
  return JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as Policy;
}

/** What a browser does with the answer: every field, then the file last. */
async function submitForm(post: PresignedPost, content: Buffer, type: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(content)], { type }), 'upload.bin');
  return fetch(post.url, { method: 'POST', body: form });
}

describe('presigned POST (browser form upload) against the embedded S3 endpoint', () => {
  let dataDir: string;
  let s3: LocalS3;
  let options: StorageModuleOptions;
  const contexts: Array<{ close(): Promise<void> }> = [];

  async function storageWith(extra: Partial<StorageModuleOptions> = {}): Promise<StorageService> {
    const context = await NestFactory.createApplicationContext(StorageModule.forRoot({ ...options, ...extra }), {
      logger: false,
    });
    contexts.push(context);
    return context.get(StorageService);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'navius-post-'));
    s3 = await LocalS3.start({ dataDir, bucket: BUCKET });
    options = {
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { ...s3.credentials },
    };
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs a policy pinning the exact key, content type, length and checksum; the form upload stores the bytes', async () => {
    const storage = await storageWith();
    const content = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const sha256 = createHash('sha256').update(content).digest('base64');
    const key = storage.documentObjectKey(randomUUID(), randomUUID());
    const post = await storage.presignPost({
      key,
      contentType: 'image/svg+xml',
      contentLength: content.length,
      sha256Base64: sha256,
    });

    expect(post).toMatchObject({ method: 'POST', url: `${s3.endpoint}/${BUCKET}`, headers: {} });
    expect(post.fields).toMatchObject({ key, 'Content-Type': 'image/svg+xml', 'x-amz-checksum-sha256': sha256 });
    const policy = policyOf(post);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', content.length, content.length],
        { key },
        { 'Content-Type': 'image/svg+xml' },
        { 'x-amz-checksum-sha256': sha256 },
        { bucket: BUCKET },
      ]),
    );
    // No prefix condition anywhere: the key is exact.
    expect(policy.conditions.some((condition) => Array.isArray(condition) && condition[0] === 'starts-with')).toBe(
      false,
    );
    expect(Date.parse(post.expiresAt)).toBe(Date.parse(policy.expiration));
    expect(Date.parse(post.expiresAt)).toBeLessThanOrEqual(Date.now() + 900_000);

    const response = await submitForm(post, content, 'image/svg+xml');
    expect(response.status, await response.text()).toBe(204);
    await expect(storage.verifyObject(key, { size: content.length, sha256Base64: sha256 })).resolves.toEqual({
      ok: true,
    });
  });

  it('pins SSE-KMS as form fields when a KMS key is configured', async () => {
    const storage = await storageWith({ kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc' });
    const post = await storage.presignPost({
      key: storage.documentObjectKey(randomUUID(), randomUUID()),
      contentType: 'text/plain',
      contentLength: 3,
    });
    expect(policyOf(post).conditions).toEqual(
      expect.arrayContaining([
        { 'x-amz-server-side-encryption': 'aws:kms' },
        { 'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-west-1:123456789012:key/abc' },
      ]),
    );
  });

  it('refuses at verification an object stored without the configured SSE-KMS encryption', async () => {
    const plain = await storageWith();
    const key = plain.documentObjectKey(randomUUID(), randomUUID());
    const content = Buffer.from('not encrypted');
    const post = await plain.presignPost({ key, contentType: 'text/plain', contentLength: content.length });
    expect((await submitForm(post, content, 'text/plain')).status).toBe(204);
    const kms = await storageWith({ kmsKeyId: 'alias/navius-documents' });
    await expect(kms.verifyObject(key, { size: content.length })).resolves.toEqual({
      ok: false,
      reason: 'encryption',
    });
  });

  it('never lets the form outlive the signing credentials', async () => {
    const expiration = new Date(Date.now() + 90_000);
    const storage = await storageWith({ credentials: { ...s3.credentials, expiration } });
    const post = await storage.presignPost({
      key: storage.documentObjectKey(randomUUID(), randomUUID()),
      contentType: 'text/plain',
      contentLength: 1,
    });
    expect(Date.parse(post.expiresAt)).toBeLessThanOrEqual(expiration.getTime());
    expect(Date.parse(post.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
  });

  it('refuses a single upload above 5 GiB', async () => {
    const storage = await storageWith();
    const key = storage.documentObjectKey(randomUUID(), randomUUID());
    const request = { key, contentType: 'application/zip', contentLength: 5 * 1024 ** 3 + 1 };
    await expect(storage.presignPost(request)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(storage.presignUpload(request)).rejects.toBeInstanceOf(InvalidInputError);
  });
});

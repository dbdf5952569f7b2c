import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalS3 } from './local-s3';

describe('LocalS3', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'navius-local-s3-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the bucket on loopback with CORS for browsers, without writing to the console', async () => {
    const output = spyOnConsoleOutput();
    const s3 = await LocalS3.start({ dataDir, bucket: 'navius-cors' });
    try {
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const preflight = await fetch(`${s3.endpoint}/navius-cors/some-key`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:3000',
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type,x-amz-checksum-sha256',
        },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
      const missing = await fetch(`${s3.endpoint}/navius-cors/missing`);
      expect(missing.status).toBe(404);
      expect(output.flatMap((spy) => spy.mock.calls)).toEqual([]);
    } finally {
      output.forEach((spy) => spy.mockRestore());
      await s3.stop();
    }
  });

  it('keeps objects under <dataDir>/s3 across restarts', async () => {
    const first = await LocalS3.start({ dataDir, bucket: 'navius-persist' });
    const writer = client(first);
    await writer.send(new PutObjectCommand({ Bucket: 'navius-persist', Key: 'kept.txt', Body: 'still here' }));
    writer.destroy();
    await first.stop();

    const second = await LocalS3.start({ dataDir, bucket: 'navius-persist' });
    const reader = client(second);
    try {
      const object = await reader.send(new GetObjectCommand({ Bucket: 'navius-persist', Key: 'kept.txt' }));
      expect(await object.Body?.transformToString()).toBe('still here');
    } finally {
      reader.destroy();
      await second.stop();
    }
  });

  it('stops promptly even with an open keep-alive connection', async () => {
    const s3 = await LocalS3.start({ dataDir, bucket: 'navius-stop' });
    await fetch(`${s3.endpoint}/navius-stop/nothing`, { headers: { connection: 'keep-alive' } });
    const started = Date.now();
    await s3.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${s3.endpoint}/navius-stop/nothing`)).rejects.toThrow();
  });
});

function client(s3: LocalS3): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
}

// winston writes to console._stdout when it exists (Node maps it to process.stdout), else to console.log.
function spyOnConsoleOutput() {
  const streams = console as unknown as { _stdout?: NodeJS.WritableStream; _stderr?: NodeJS.WritableStream };
  return [
    vi.spyOn(process.stdout, 'write'),
    vi.spyOn(process.stderr, 'write'),
    ...(streams._stdout ? [vi.spyOn(streams._stdout, 'write')] : []),
    ...(streams._stderr ? [vi.spyOn(streams._stderr, 'write')] : []),
    vi.spyOn(console, 'log'),
    vi.spyOn(console, 'info'),
    vi.spyOn(console, 'error'),
  ];
}

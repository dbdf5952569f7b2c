import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { contentDisposition } from './content-disposition';
import { PreparedPresigner } from './storage.presigner';

const SIGNED = new Set(['content-type', 'content-length', 'x-amz-checksum-sha256', 'x-amz-server-side-encryption']);
const UNHOISTED = new Set(['x-amz-checksum-sha256', 'x-amz-server-side-encryption']);

/** Clients built the way the service builds them: through the AWS core's factory (metrics and breaker plugins). */
function s3Client(options: { endpoint?: string; region: string; sessionToken?: string }): S3Client {
  const factory = AwsClientFactory.standalone({
    region: options.region,
    credentials: {
      static: {
        accessKeyId: 'AKIDPRESIGNSPEC',
        secretAccessKey: 'presign-spec-secret',
        sessionToken: options.sessionToken,
      },
    },
    endpoints: options.endpoint ? { s3: options.endpoint } : {},
  });
  return factory.create(
    S3Client,
    { service: 's3' },
    { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
  );
}

const clients = {
  'path style, custom endpoint': s3Client({ endpoint: 'http://127.0.0.1:4569', region: 'us-east-1' }),
  'virtual host, AWS endpoint, session token': s3Client({ region: 'eu-west-1', sessionToken: 'session/token+=' }),
};

const keyArbitrary = fc.oneof(
  fc.tuple(fc.uuid(), fc.uuid()).map(([tenant, id]) => `tenants/${tenant}/documents/${id}`),
  fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
);
const dateArbitrary = fc
  .integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2035, 0, 1) / 1000 })
  .map((seconds) => new Date(seconds * 1000));

describe.each(Object.entries(clients))('PreparedPresigner (%s)', (_label, client) => {
  const presigner = new PreparedPresigner(client);
  afterAll(() => client.destroy());

  it('builds PUT URLs byte-identical to getSignedUrl for the same inputs and clock', async () => {
    await fc.assert(
      fc.asyncProperty(
        keyArbitrary,
        fc.constantFrom('application/pdf', 'text/plain; charset=utf-8', 'image/svg+xml'),
        fc.nat({ max: 5 * 1024 ** 3 }),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'))),
        fc.boolean(),
        fc.integer({ min: 1, max: 604_800 }),
        dateArbitrary,
        async (key, contentType, length, checksum, encrypted, expiresIn, signingDate) => {
          const command = new PutObjectCommand({
            Bucket: 'navius-docs',
            Key: key,
            ContentType: contentType,
            ContentLength: length,
            ChecksumSHA256: checksum ?? undefined,
            ServerSideEncryption: encrypted ? 'aws:kms' : undefined,
          });
          const options = { expiresIn, signingDate, signableHeaders: SIGNED, unhoistableHeaders: UNHOISTED };
          const expected = await getSignedUrl(client, command, {
            ...options,
            signableHeaders: new Set(SIGNED),
            unhoistableHeaders: new Set(UNHOISTED),
          });
          expect(await presigner.presign(command, options)).toBe(expected);
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  });

  it('builds GET URLs with response overrides byte-identical to getSignedUrl', async () => {
    await fc.assert(
      fc.asyncProperty(
        keyArbitrary,
        fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }),
        fc.constantFrom('application/pdf', 'text/html; charset=utf-8'),
        fc.integer({ min: 1, max: 604_800 }),
        dateArbitrary,
        async (key, filename, contentType, expiresIn, signingDate) => {
          const command = new GetObjectCommand({
            Bucket: 'navius-docs',
            Key: key,
            ResponseContentDisposition: contentDisposition(filename),
            ResponseContentType: contentType,
          });
          const expected = await getSignedUrl(client, command, { expiresIn, signingDate });
          expect(await presigner.presign(command, { expiresIn, signingDate })).toBe(expected);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('builds UploadPart URLs byte-identical to getSignedUrl', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme-ascii' }),
        fc.integer({ min: 0, max: 5 * 1024 ** 3 }),
        dateArbitrary,
        async (partNumber, uploadId, length, signingDate) => {
          const command = new UploadPartCommand({
            Bucket: 'navius-docs',
            Key: 'tenants/a/documents/b',
            PartNumber: partNumber,
            UploadId: uploadId,
            ContentLength: length,
          });
          const signableHeaders = new Set(['content-length']);
          const expected = await getSignedUrl(client, command, { expiresIn: 900, signingDate, signableHeaders });
          expect(await presigner.presign(command, { expiresIn: 900, signingDate, signableHeaders })).toBe(expected);
        },
      ),
      { numRuns: 100, seed: 8 },
    );
  });
});

describe('PreparedPresigner limits', () => {
  it('refuses a field it cannot place rather than signing a different request', async () => {
    const client = clients['path style, custom endpoint'];
    const presigner = new PreparedPresigner(client);
    const command = new PutObjectCommand({ Bucket: 'b', Key: 'k', Metadata: { a: 'b' } });
    await expect(presigner.presign(command, { expiresIn: 60, signingDate: new Date() })).rejects.toThrow(/Metadata/);
  });
});

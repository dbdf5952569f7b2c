import { createHash, createHmac, randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyCachingSha256 } from './storage.hash';

async function digest(
  hash: { update(data: string | Uint8Array): void; digest(): Promise<Uint8Array> },
  parts: Array<string | Uint8Array>,
) {
  for (const part of parts) hash.update(part);
  return Buffer.from(await hash.digest()).toString('hex');
}

// The SDK's own SHA-256 constructor, as an S3 client is configured with it.
const client = new S3Client({ region: 'us-east-1' });
const SdkSha256 = client.config.sha256;

describe('KeyCachingSha256', () => {
  it("computes the same SHA-256 and HMAC-SHA-256 as the SDK's own node hash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.string(), fc.uint8Array({ minLength: 1, maxLength: 64 }))),
        fc.array(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 })), { maxLength: 4 }),
        async (secret, parts) => {
          const key = secret ?? undefined;
          const expected = await digest(new SdkSha256(key), parts);
          expect(await digest(new KeyCachingSha256(key), parts)).toBe(expected);
          // Reusing the cached key gives the same answer again.
          expect(await digest(new KeyCachingSha256(key), parts)).toBe(expected);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('keys each HMAC with its own secret', async () => {
    const key = randomBytes(32);
    const mac = (secret: Uint8Array, data: string) => createHmac('sha256', secret).update(data).digest('hex');
    expect(await digest(new KeyCachingSha256(key), ['a'])).toBe(mac(key, 'a'));
    const other = randomBytes(32);
    expect(await digest(new KeyCachingSha256(other), ['a'])).toBe(mac(other, 'a'));
    expect(await digest(new KeyCachingSha256(), ['a', 'b'])).toBe(createHash('sha256').update('ab').digest('hex'));
  });

  it('gives every caller its own copy of a remembered HMAC', async () => {
    const first = new KeyCachingSha256('secret-access-key');
    first.update('AKIDEXAMPLE');
    const mac = await first.digest();
    mac.fill(0);
    const again = new KeyCachingSha256('secret-access-key');
    again.update('AKIDEXAMPLE');
    expect(Buffer.from(await again.digest()).toString('hex')).toBe(
      createHmac('sha256', 'secret-access-key').update('AKIDEXAMPLE').digest('hex'),
    );
  });
});

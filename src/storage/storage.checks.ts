import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../errors/domain-errors';
import type { UploadRequest } from './storage.types';

/** The largest object one PUT or POST may carry. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

const SHA256_BASE64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

export function assertUploadRequest(request: UploadRequest): void {
  if (!Number.isSafeInteger(request.contentLength) || request.contentLength < 0) {
    throw new InvalidInputError('The content length must be a non-negative integer');
  }
  if (request.contentLength > MAX_SINGLE_UPLOAD_BYTES) {
    throw new InvalidInputError('A single upload holds at most 5 GiB; use a multipart upload');
  }
  if (request.sha256Base64 !== undefined && !SHA256_BASE64_PATTERN.test(request.sha256Base64)) {
    throw new InvalidInputError('The SHA-256 checksum must be 32 bytes in base64');
  }
}

/** The policy's own `expiration`: exactly when S3 stops accepting the form. */
export function policyExpiration(post: { fields: Record<string, string> }): string {
  const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string };
  return new Date(policy.expiration).toISOString();
}

export function isFullObjectChecksum(head: HeadObjectCommandOutput): boolean {
  return head.ChecksumSHA256 !== undefined && head.ChecksumType !== 'COMPOSITE' && !head.ChecksumSHA256.includes('-');
}

export function sameDigest(leftBase64: string, rightBase64: string): boolean {
  return Buffer.from(leftBase64, 'base64').equals(Buffer.from(rightBase64, 'base64'));
}

/** Fails loudly if the SDK signed a header the caller would not know to send. */
export function assertSignedHeadersKnown(url: string, headers: Record<string, string>): void {
  const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
  const unknown = signed.filter((name) => name !== 'host' && !(name in headers));
  if (unknown.length > 0) throw new Error(`Presigned upload signs headers the client is not told about: ${unknown}`);
}

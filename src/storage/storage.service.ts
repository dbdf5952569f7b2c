import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InvalidInputError, UnavailableError } from '../errors/domain-errors';
import { contentDisposition } from './content-disposition';
import { isS3NotFound, mapS3Error } from './storage.errors';
import { STORAGE_MODULE_OPTIONS, type StorageModuleOptions } from './storage.module-definition';
import type {
  DownloadRequest,
  ExpectedObject,
  PresignedDownload,
  PresignedUpload,
  UploadRequest,
  VerifyResult,
} from './storage.types';

/** SigV4 refuses presigned URLs that live longer than a week. */
export const MAX_PRESIGNED_URL_SECONDS = 7 * 24 * 60 * 60;

export const STORAGE_DEFAULTS = {
  forcePathStyle: false,
  uploadUrlTtlSeconds: 900,
  downloadUrlTtlSeconds: 300,
  requestTimeoutMs: 5_000,
} as const;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256_BASE64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

// Headers a presigned PUT may carry; each must be signed so the client cannot swap them.
const UPLOAD_SIGNED_HEADERS = [
  'content-type',
  'content-length',
  'x-amz-checksum-sha256',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
] as const;

interface UrlLifetime {
  expiresIn: number;
  signingDate: Date;
  expiresAt: string;
}

/** The only door to S3: presigned URLs for clients, HEAD verification and clean-up for the service. */
@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageService.name);
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly uploadUrlTtlSeconds: number;
  private readonly downloadUrlTtlSeconds: number;

  constructor(@Inject(STORAGE_MODULE_OPTIONS) private readonly options: StorageModuleOptions) {
    const timeoutMs = options.requestTimeoutMs ?? STORAGE_DEFAULTS.requestTimeoutMs;
    this.bucket = options.bucket;
    this.uploadUrlTtlSeconds = options.uploadUrlTtlSeconds ?? STORAGE_DEFAULTS.uploadUrlTtlSeconds;
    this.downloadUrlTtlSeconds = options.downloadUrlTtlSeconds ?? STORAGE_DEFAULTS.downloadUrlTtlSeconds;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? STORAGE_DEFAULTS.forcePathStyle,
      credentials: options.credentials,
      retryMode: 'standard',
      maxAttempts: 3,
      // Default CRC32 checksums would make presigned PUTs demand a header the client cannot compute.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: timeoutMs,
        requestTimeout: timeoutMs,
        throwOnRequestTimeout: true,
        socketTimeout: timeoutMs,
      },
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.options.createBucketIfMissing) await this.ensureBucket();
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }

  /** Server-built object key of a document; ids are UUIDs, never raw user input. */
  documentObjectKey(tenantId: string, documentId: string): string {
    if (!UUID_PATTERN.test(tenantId)) throw new InvalidInputError('The tenant id is not a GUID');
    if (!UUID_PATTERN.test(documentId)) throw new InvalidInputError('The document id is not a GUID');
    return `tenants/${tenantId.toLowerCase()}/documents/${documentId.toLowerCase()}`;
  }

  /** A presigned PUT whose content type, length, checksum and encryption are fixed by the signature. */
  async presignUpload(request: UploadRequest): Promise<PresignedUpload> {
    if (!Number.isSafeInteger(request.contentLength) || request.contentLength < 0) {
      throw new InvalidInputError('The content length must be a non-negative integer');
    }
    if (request.sha256Base64 !== undefined && !SHA256_BASE64_PATTERN.test(request.sha256Base64)) {
      throw new InvalidInputError('The SHA-256 checksum must be 32 bytes in base64');
    }
    const headers: Record<string, string> = {
      'content-type': request.contentType,
      'content-length': String(request.contentLength),
    };
    if (request.sha256Base64 !== undefined) headers['x-amz-checksum-sha256'] = request.sha256Base64;
    if (this.options.kmsKeyId !== undefined) {
      headers['x-amz-server-side-encryption'] = 'aws:kms';
      headers['x-amz-server-side-encryption-aws-kms-key-id'] = this.options.kmsKeyId;
    }
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.contentLength,
      ChecksumSHA256: request.sha256Base64,
      ServerSideEncryption: this.options.kmsKeyId !== undefined ? 'aws:kms' : undefined,
      SSEKMSKeyId: this.options.kmsKeyId,
    });
    const lifetime = await this.urlLifetime(this.uploadUrlTtlSeconds);
    const url = await this.sign(command, lifetime, {
      signableHeaders: new Set(UPLOAD_SIGNED_HEADERS),
      // x-amz-* headers are hoisted into the query by default; keep these as real, signed headers.
      unhoistableHeaders: new Set(UPLOAD_SIGNED_HEADERS.filter((name) => name.startsWith('x-amz-'))),
    });
    assertSignedHeadersKnown(url, headers);
    return { method: 'PUT', url, headers, expiresAt: lifetime.expiresAt };
  }

  /** A presigned GET that downloads as an attachment with the document's name and type. */
  async presignDownload(request: DownloadRequest): Promise<PresignedDownload> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      ResponseContentDisposition: contentDisposition(request.filename),
      ResponseContentType: request.contentType,
    });
    const lifetime = await this.urlLifetime(this.downloadUrlTtlSeconds);
    const url = await this.sign(command, lifetime, {});
    return { url, expiresAt: lifetime.expiresAt };
  }

  /** Checks that the stored object exists with the declared size and, when declared, SHA-256. */
  async verifyObject(key: string, expected: ExpectedObject, signal?: AbortSignal): Promise<VerifyResult> {
    const head = await this.headObject(key, signal);
    if (head === undefined) return { ok: false, reason: 'missing' };
    if (head.ContentLength !== expected.size) return { ok: false, reason: 'size' };
    if (expected.sha256Base64 === undefined) return { ok: true };
    const stored = isFullObjectChecksum(head) ? head.ChecksumSHA256 : undefined;
    // S3-compatible servers (and multipart uploads) give no full-object SHA-256: hash the bytes ourselves.
    const actual = stored ?? (await this.hashObject(key, expected.size, signal));
    if (actual === undefined) return { ok: false, reason: 'missing' };
    if (actual === 'too-large') return { ok: false, reason: 'size' };
    return sameDigest(actual, expected.sha256Base64) ? { ok: true } : { ok: false, reason: 'checksum' };
  }

  /** Deletes the object; deleting a missing object succeeds. */
  async deleteObject(key: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      if (isS3NotFound(error)) return;
      throw mapS3Error(error);
    }
  }

  /** Resolves when the bucket is reachable with the service's credentials; throws UnavailableError otherwise. */
  async checkBucket(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
    } catch (error) {
      if (isS3NotFound(error)) {
        this.logger.error(`Bucket ${this.bucket} does not exist (requestId=${requestIdOf(error)})`);
        throw new UnavailableError('storage', 30, { cause: error });
      }
      throw mapS3Error(error);
    }
  }

  /** Creates the bucket when it does not exist yet (embedded endpoint). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isS3NotFound(error)) throw mapS3Error(error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      this.logger.log(`Created bucket ${this.bucket}`);
    } catch (error) {
      if (nameOf(error) === 'BucketAlreadyOwnedByYou') return;
      throw mapS3Error(error);
    }
  }

  private async headObject(key: string, signal?: AbortSignal): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw mapS3Error(error);
    }
  }

  /** Base64 SHA-256 of the object; stops reading once it holds more than maxBytes. */
  private async hashObject(
    key: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<string | 'too-large' | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
      if (!(object.Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
      const hash = createHash('sha256');
      let read = 0;
      for await (const chunk of object.Body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > maxBytes) {
          object.Body.destroy();
          return 'too-large';
        }
        hash.update(chunk);
      }
      return hash.digest('base64');
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw mapS3Error(error);
    }
  }

  private async sign(
    command: PutObjectCommand | GetObjectCommand,
    lifetime: UrlLifetime,
    headerOptions: { signableHeaders?: Set<string>; unhoistableHeaders?: Set<string> },
  ): Promise<string> {
    try {
      return await getSignedUrl(this.client, command, {
        expiresIn: lifetime.expiresIn,
        signingDate: lifetime.signingDate,
        ...headerOptions,
      });
    } catch (error) {
      throw mapS3Error(error);
    }
  }

  /** The URL lifetime: the configured TTL, capped by SigV4's week and by the credentials' own expiry. */
  private async urlLifetime(ttlSeconds: number): Promise<UrlLifetime> {
    // X-Amz-Date has whole seconds; sign at a whole second so expiresAt is exact.
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    let expiresIn = Math.min(ttlSeconds, MAX_PRESIGNED_URL_SECONDS);
    const expiration = await this.credentialsExpiration();
    if (expiration !== undefined) {
      expiresIn = Math.min(expiresIn, Math.floor((expiration.getTime() - signingDate.getTime()) / 1000));
    }
    if (expiresIn < 1) {
      this.logger.error('The storage credentials have expired; no URL can be signed');
      throw new UnavailableError('storage', 5);
    }
    return { expiresIn, signingDate, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000).toISOString() };
  }

  private async credentialsExpiration(): Promise<Date | undefined> {
    try {
      const identity = await this.client.config.credentials();
      return identity.expiration;
    } catch (error) {
      throw mapS3Error(error);
    }
  }
}

function isFullObjectChecksum(head: HeadObjectCommandOutput): boolean {
  return head.ChecksumSHA256 !== undefined && head.ChecksumType !== 'COMPOSITE' && !head.ChecksumSHA256.includes('-');
}

function sameDigest(leftBase64: string, rightBase64: string): boolean {
  return Buffer.from(leftBase64, 'base64').equals(Buffer.from(rightBase64, 'base64'));
}

function nameOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

function requestIdOf(error: unknown): string {
  const metadata = (error as { $metadata?: { requestId?: string } } | null)?.$metadata;
  return metadata?.requestId ?? 'none';
}

/** Fails loudly if the SDK signed a header the caller would not know to send. */
function assertSignedHeadersKnown(url: string, headers: Record<string, string>): void {
  const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
  const unknown = signed.filter((name) => name !== 'host' && !(name in headers));
  if (unknown.length > 0) throw new Error(`Presigned upload signs headers the client is not told about: ${unknown}`);
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InvalidInputError, UnavailableError } from '../errors/domain-errors';
import { contentDisposition } from './content-disposition';
import { STORAGE_DEFAULTS, StorageClients } from './storage.clients';
import { isS3NotFound, mapS3Error } from './storage.errors';
import {
  assertSignedHeadersKnown,
  assertUploadRequest,
  isFullObjectChecksum,
  policyExpiration,
  sameDigest,
} from './storage.checks';
import { urlLifetime } from './storage.lifetime';
import type {
  DownloadRequest,
  ExpectedObject,
  PresignedDownload,
  PresignedPost,
  PresignedUpload,
  UploadRequest,
  VerifyResult,
} from './storage.types';

export { MAX_PRESIGNED_URL_SECONDS } from './storage.lifetime';
export { STORAGE_DEFAULTS } from './storage.clients';
export { MAX_SINGLE_UPLOAD_BYTES } from './storage.checks';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_PATTERN = new RegExp(`^${UUID}$`, 'i');
const DOCUMENT_KEY_PATTERN = new RegExp(`^tenants/(${UUID})/documents/(${UUID})$`);

// Headers a presigned PUT may carry; each must be signed so the client cannot swap them.
const UPLOAD_SIGNED_HEADERS = new Set([
  'content-type',
  'content-length',
  'x-amz-checksum-sha256',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
]);
// x-amz-* headers are hoisted into the query by default; keep these as real, signed headers.
const UPLOAD_UNHOISTED_HEADERS = new Set([...UPLOAD_SIGNED_HEADERS].filter((name) => name.startsWith('x-amz-')));

/** The door to S3 for single objects: presigned URLs for clients, HEAD verification and clean-up for the service. */
@Injectable()
export class StorageService implements OnModuleInit {
  private readonly logger = new Logger(StorageService.name);
  private readonly uploadUrlTtlSeconds: number;
  private readonly downloadUrlTtlSeconds: number;

  constructor(private readonly clients: StorageClients) {
    const options = clients.options;
    this.uploadUrlTtlSeconds = options.uploadUrlTtlSeconds ?? STORAGE_DEFAULTS.uploadUrlTtlSeconds;
    this.downloadUrlTtlSeconds = options.downloadUrlTtlSeconds ?? STORAGE_DEFAULTS.downloadUrlTtlSeconds;
  }

  async onModuleInit(): Promise<void> {
    if (this.clients.options.createBucketIfMissing) await this.ensureBucket();
  }

  private get bucket(): string {
    return this.clients.primary.bucket;
  }

  /** Server-built object key of a document; ids are UUIDs, never raw user input. */
  documentObjectKey(tenantId: string, documentId: string): string {
    if (!UUID_PATTERN.test(tenantId)) throw new InvalidInputError('The tenant id is not a GUID');
    if (!UUID_PATTERN.test(documentId)) throw new InvalidInputError('The document id is not a GUID');
    return `tenants/${tenantId.toLowerCase()}/documents/${documentId.toLowerCase()}`;
  }

  /** The tenant and document of a key built by documentObjectKey; undefined for any other key. */
  parseDocumentObjectKey(key: string): { tenantId: string; documentId: string } | undefined {
    const match = DOCUMENT_KEY_PATTERN.exec(key);
    return match ? { tenantId: match[1] as string, documentId: match[2] as string } : undefined;
  }

  /** A presigned PUT whose content type, length, checksum and encryption are fixed by the signature. */
  async presignUpload(request: UploadRequest): Promise<PresignedUpload> {
    assertUploadRequest(request);
    const headers = this.uploadHeaders(request);
    const kmsKeyId = this.clients.options.kmsKeyId;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.contentLength,
      ChecksumSHA256: request.sha256Base64,
      ServerSideEncryption: kmsKeyId !== undefined ? 'aws:kms' : undefined,
      SSEKMSKeyId: kmsKeyId,
    });
    const lifetime = await urlLifetime(this.uploadUrlTtlSeconds, this.clients.credentials);
    const url = await this.clients.primary.presigner.presign(command, {
      ...lifetime,
      signableHeaders: UPLOAD_SIGNED_HEADERS,
      unhoistableHeaders: UPLOAD_UNHOISTED_HEADERS,
    });
    assertSignedHeadersKnown(url, headers);
    return { method: 'PUT', url, headers, expiresAt: lifetime.expiresAt };
  }

  /**
   * A presigned browser form upload (POST Object) whose policy fixes the exact key, the content type, the exact
   * length (`content-length-range`), the checksum and the encryption.
   */
  async presignPost(request: UploadRequest): Promise<PresignedPost> {
    assertUploadRequest(request);
    const fields: Record<string, string> = { 'Content-Type': request.contentType };
    if (request.sha256Base64 !== undefined) fields['x-amz-checksum-sha256'] = request.sha256Base64;
    const kmsKeyId = this.clients.options.kmsKeyId;
    if (kmsKeyId !== undefined) {
      fields['x-amz-server-side-encryption'] = 'aws:kms';
      fields['x-amz-server-side-encryption-aws-kms-key-id'] = kmsKeyId;
    }
    const lifetime = await urlLifetime(this.uploadUrlTtlSeconds, this.clients.credentials);
    try {
      const post = await createPresignedPost(this.clients.primary.client, {
        Bucket: this.bucket,
        Key: request.key,
        // Every field becomes an exact-match condition; the length is pinned to the declared size.
        Conditions: [['content-length-range', request.contentLength, request.contentLength]],
        Fields: fields,
        // It signs a moment after urlLifetime did: one second less keeps it within the credentials' life.
        Expires: Math.max(1, lifetime.expiresIn - 1),
      });
      return { method: 'POST', url: post.url, headers: {}, fields: post.fields, expiresAt: policyExpiration(post) };
    } catch (error) {
      throw mapS3Error(error);
    }
  }

  /**
   * A presigned GET that downloads as an attachment with the document's name and type. While the primary's
   * circuit is open and a replica is configured, the URL points at the replica.
   */
  async presignDownload(request: DownloadRequest): Promise<PresignedDownload> {
    const target = this.clients.readTarget();
    const command = new GetObjectCommand({
      Bucket: target.bucket,
      Key: request.key,
      ResponseContentDisposition: contentDisposition(request.filename),
      ResponseContentType: request.contentType,
    });
    const lifetime = await urlLifetime(this.downloadUrlTtlSeconds, this.clients.credentials);
    const url = await target.presigner.presign(command, lifetime);
    return { url, expiresAt: lifetime.expiresAt };
  }

  /** Checks that the stored object exists with the declared size and, when declared, SHA-256. */
  async verifyObject(key: string, expected: ExpectedObject, signal?: AbortSignal): Promise<VerifyResult> {
    const head = await this.headObject(key, signal);
    if (head === undefined) return { ok: false, reason: 'missing' };
    if (head.ContentLength !== expected.size) return { ok: false, reason: 'size' };
    if (!this.encryptedAsConfigured(head)) return { ok: false, reason: 'encryption' };
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
      await this.clients.primary.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isS3NotFound(error)) return;
      throw mapS3Error(error);
    }
  }

  /** Resolves when the bucket is reachable with the service's credentials; throws UnavailableError otherwise. */
  async checkBucket(signal?: AbortSignal): Promise<void> {
    try {
      await this.clients.primary.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
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
    const client = this.clients.primary.client;
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isS3NotFound(error)) throw mapS3Error(error);
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      this.logger.log(`Created bucket ${this.bucket}`);
    } catch (error) {
      if (nameOf(error) === 'BucketAlreadyOwnedByYou') return;
      throw mapS3Error(error);
    }
  }

  /** With a KMS key configured, the object must be SSE-KMS under that key (S3 reports it as an ARN). */
  private encryptedAsConfigured(head: HeadObjectCommandOutput): boolean {
    const kmsKeyId = this.clients.options.kmsKeyId;
    if (kmsKeyId === undefined) return true;
    if (head.ServerSideEncryption !== 'aws:kms') return false;
    const stored = head.SSEKMSKeyId;
    // An alias cannot be compared with the key ARN S3 reports; a key id or ARN can.
    if (stored === undefined || kmsKeyId.startsWith('alias/') || kmsKeyId.includes(':alias/')) return true;
    return stored === kmsKeyId || stored.endsWith(`:key/${kmsKeyId}`);
  }

  private uploadHeaders(request: UploadRequest): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': request.contentType,
      'content-length': String(request.contentLength),
    };
    if (request.sha256Base64 !== undefined) headers['x-amz-checksum-sha256'] = request.sha256Base64;
    const kmsKeyId = this.clients.options.kmsKeyId;
    if (kmsKeyId !== undefined) {
      headers['x-amz-server-side-encryption'] = 'aws:kms';
      headers['x-amz-server-side-encryption-aws-kms-key-id'] = kmsKeyId;
    }
    return headers;
  }

  private async headObject(key: string, signal?: AbortSignal): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.clients.primary.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
        { abortSignal: signal },
      );
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
      const object = await this.clients.primary.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
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

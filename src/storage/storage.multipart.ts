import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Injectable, Logger } from '@nestjs/common';
import { awsErrorCode } from '../aws/aws.errors';
import { InvalidInputError } from '../errors/domain-errors';
import { STORAGE_DEFAULTS, StorageClients } from './storage.clients';
import { isS3NotFound, mapS3Error } from './storage.errors';
import { urlLifetime } from './storage.lifetime';
import type {
  CompleteMultipartResult,
  MultipartUploadRequest,
  PresignedMultipart,
  UploadedPart,
} from './storage.types';

/** S3's multipart limits. */
export const MULTIPART_LIMITS = {
  minPartBytes: 5 * 1024 ** 2,
  maxPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
  maxObjectBytes: 5 * 1024 ** 4,
} as const;

const MIB = 1024 ** 2;
// What S3 answers when the listed parts do not match what was uploaded.
const PART_LIST_REFUSALS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);
// S3-compatible servers without AbortMultipartUpload (s3rver) answer these.
const NOT_SUPPORTED = new Set(['NotImplemented', 'MethodNotAllowed']);

/** How an object of `size` bytes is cut into parts. */
export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** Multipart uploads with presigned part URLs: create, presign the parts, complete with their ETags, abort. */
@Injectable()
export class MultipartUploads {
  private readonly logger = new Logger(MultipartUploads.name);
  /** Declared sizes above this use a multipart upload. */
  readonly thresholdBytes: number;
  private readonly preferredPartBytes: number;
  private readonly uploadUrlTtlSeconds: number;

  constructor(private readonly clients: StorageClients) {
    const options = clients.options;
    this.thresholdBytes = options.multipartThresholdBytes ?? STORAGE_DEFAULTS.multipartThresholdBytes;
    this.preferredPartBytes = Math.max(
      MULTIPART_LIMITS.minPartBytes,
      options.multipartPartBytes ?? STORAGE_DEFAULTS.multipartPartBytes,
    );
    this.uploadUrlTtlSeconds = options.uploadUrlTtlSeconds ?? STORAGE_DEFAULTS.uploadUrlTtlSeconds;
  }

  /** True when an object of `size` bytes should be uploaded in parts. */
  needsMultipart(size: number): boolean {
    return size > this.thresholdBytes;
  }

  /** The preferred part size, raised (in whole MiB) until 10,000 parts hold the object. */
  planParts(size: number): PartPlan {
    if (!Number.isSafeInteger(size) || size < 1 || size > MULTIPART_LIMITS.maxObjectBytes) {
      throw new InvalidInputError('A multipart upload holds 1 byte to 5 TiB');
    }
    const needed = Math.ceil(Math.ceil(size / MULTIPART_LIMITS.maxParts) / MIB) * MIB;
    const partSize = Math.min(Math.max(this.preferredPartBytes, needed), MULTIPART_LIMITS.maxPartBytes);
    return { partSize, partCount: Math.ceil(size / partSize) };
  }

  /** Starts a multipart upload (content type and SSE-KMS fixed here) and presigns a PUT URL for every part. */
  async create(request: MultipartUploadRequest): Promise<PresignedMultipart> {
    const plan = this.planParts(request.contentLength);
    const { client, bucket } = this.clients.primary;
    const kmsKeyId = this.clients.options.kmsKeyId;
    let uploadId: string | undefined;
    try {
      const created = await client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: request.key,
          ContentType: request.contentType,
          ServerSideEncryption: kmsKeyId !== undefined ? 'aws:kms' : undefined,
          SSEKMSKeyId: kmsKeyId,
        }),
      );
      uploadId = created.UploadId;
    } catch (error) {
      throw mapS3Error(error);
    }
    if (!uploadId) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    try {
      return await this.presignParts(request.key, uploadId, request.contentLength, plan);
    } catch (error) {
      await this.abort(request.key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  /** Fresh part URLs of an upload in progress (the same parts, a new expiry). */
  async presignParts(key: string, uploadId: string, size: number, plan = this.planParts(size)) {
    const { presigner, bucket } = this.clients.primary;
    const lifetime = await urlLifetime(this.uploadUrlTtlSeconds, this.clients.credentials);
    const signableHeaders = new Set(['content-length']);
    const parts: PresignedMultipart['parts'] = [];
    for (let partNumber = 1; partNumber <= plan.partCount; partNumber++) {
      const partSize = Math.min(plan.partSize, size - (partNumber - 1) * plan.partSize);
      const command = new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: partSize,
      });
      parts.push({
        partNumber,
        url: await presigner.presign(command, { ...lifetime, signableHeaders }),
        size: partSize,
      });
    }
    const first = parts[0] as PresignedMultipart['parts'][number];
    return {
      method: 'PUT' as const,
      url: first.url,
      headers: {},
      expiresAt: lifetime.expiresAt,
      uploadId,
      partSize: plan.partSize,
      parts,
    };
  }

  /** Assembles the object from the parts the client uploaded, identified by their ETags. */
  async complete(key: string, uploadId: string, parts: UploadedPart[]): Promise<CompleteMultipartResult> {
    const { client, bucket } = this.clients.primary;
    try {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [...parts]
              .sort((a, b) => a.partNumber - b.partNumber)
              .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
          },
        }),
      );
      return { ok: true };
    } catch (error) {
      const code = awsErrorCode(error);
      if (PART_LIST_REFUSALS.has(code)) return { ok: false, reason: 'parts' };
      if (isS3NotFound(error)) return { ok: false, reason: 'no-upload' };
      throw mapS3Error(error);
    }
  }

  /** Aborts the upload and frees its parts; an upload already gone counts as aborted. */
  async abort(key: string, uploadId: string): Promise<void> {
    const { client, bucket } = this.clients.primary;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (isS3NotFound(error)) return;
      if (NOT_SUPPORTED.has(awsErrorCode(error))) {
        // Only S3-compatible stand-ins lack it; on AWS the bucket's AbortIncompleteMultipartUpload rule is the backstop.
        this.logger.warn(`The S3 endpoint cannot abort multipart uploads (${awsErrorCode(error)}); parts left behind`);
        return;
      }
      throw mapS3Error(error);
    }
  }
}

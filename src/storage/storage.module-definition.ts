import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Static credentials, for the embedded endpoint or tests; real deployments use the SDK's default chain. */
export interface StorageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When the credentials stop working; presigned URLs never outlive it. */
  expiration?: Date;
}

export interface StorageModuleOptions {
  /** Bucket that holds every document object (required, no default). */
  bucket: string;
  /** AWS region of the bucket, e.g. `eu-west-1` (required, no default). */
  region: string;
  /** S3-compatible endpoint override, e.g. the embedded `http://127.0.0.1:<port>`. Default: the AWS S3 endpoint. */
  endpoint?: string;
  /** Address buckets as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint>`. Default false. */
  forcePathStyle?: boolean;
  /** Static credentials. Default: absent, so the SDK's default credential chain is used. */
  credentials?: StorageCredentials;
  /** KMS key id or ARN for SSE-KMS on uploads. Default: absent, so the bucket's default encryption applies. */
  kmsKeyId?: string;
  /** Longest lifetime of a presigned upload URL, seconds. Default 900. */
  uploadUrlTtlSeconds?: number;
  /** Longest lifetime of a presigned download URL, seconds. Default 300. */
  downloadUrlTtlSeconds?: number;
  /** Connection and request timeout of each S3 call, ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Create the bucket at start-up when it does not exist; for the embedded endpoint only. Default false. */
  createBucketIfMissing?: boolean;
}

export const { ConfigurableModuleClass: StorageConfigurableModule, MODULE_OPTIONS_TOKEN: STORAGE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<StorageModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

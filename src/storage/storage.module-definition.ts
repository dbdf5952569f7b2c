import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Static credentials, for the embedded endpoint or tests; real deployments use AwsModule's shared credentials. */
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
  /** AWS region of the bucket, e.g. `eu-west-1`. Default: AwsModule's region; required without AwsModule. */
  region?: string;
  /** S3-compatible endpoint override, e.g. the embedded `http://127.0.0.1:<port>`. Default: AwsModule's S3 endpoint. */
  endpoint?: string;
  /** Address buckets as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint>`. Default: AwsModule's (false alone). */
  forcePathStyle?: boolean;
  /** Static credentials. Default: AwsModule's shared credentials (the SDK's default chain without AwsModule). */
  credentials?: StorageCredentials;
  /** KMS key id or ARN for SSE-KMS on uploads. Default: absent, so the bucket's default encryption applies. */
  kmsKeyId?: string;
  /** Longest lifetime of a presigned upload URL, seconds. Default 900. */
  uploadUrlTtlSeconds?: number;
  /** Longest lifetime of a presigned download URL, seconds. Default 300. */
  downloadUrlTtlSeconds?: number;
  /** Connection and per-attempt request timeout of each S3 call, ms. Default: AwsModule's (5000). */
  requestTimeoutMs?: number;
  /** Create the bucket at start-up when it does not exist; for the embedded endpoint only. Default false. */
  createBucketIfMissing?: boolean;
  /** Replica bucket that downloads fall back to while the primary's circuit is open (AwsModule failover). Default: `bucket`. */
  failoverBucket?: string;
  /** Declared sizes above this get a multipart upload, bytes (5 MiB–5 GiB). Default 100 MiB. */
  multipartThresholdBytes?: number;
  /** Preferred multipart part size, bytes (≥ 5 MiB); raised when 10,000 parts would not hold the object. Default 16 MiB. */
  multipartPartBytes?: number;
  /** SQS queue URL receiving the bucket's ObjectCreated/ObjectRemoved notifications. Default: absent, no consumer. */
  eventsQueueUrl?: string;
  /** SQS endpoint override (an SQS-compatible server, a VPC endpoint). Default: the queue URL's own host. */
  eventsEndpoint?: string;
  /** Long-poll wait of each ReceiveMessage, seconds (1–20). Default 20. */
  eventsWaitSeconds?: number;
}

export const { ConfigurableModuleClass: StorageConfigurableModule, MODULE_OPTIONS_TOKEN: STORAGE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<StorageModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

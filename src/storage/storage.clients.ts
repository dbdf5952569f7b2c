import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { AwsClientFactory, type AwsClientOptions } from '../aws/aws.client-factory';
import { AwsCredentialsService } from '../aws/aws.credentials';
import { STORAGE_MODULE_OPTIONS, type StorageModuleOptions } from './storage.module-definition';
import { PreparedPresigner } from './storage.presigner';

export const STORAGE_DEFAULTS = {
  forcePathStyle: false,
  uploadUrlTtlSeconds: 900,
  downloadUrlTtlSeconds: 300,
  requestTimeoutMs: 5_000,
  multipartThresholdBytes: 100 * 1024 ** 2,
  multipartPartBytes: 16 * 1024 ** 2,
  eventsWaitSeconds: 20,
} as const;

// Default CRC32 checksums would make presigned PUTs demand a header the client cannot compute.
const CHECKSUMS_WHEN_REQUIRED: Partial<S3ClientConfig> = {
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};

/** One S3 target: its client, its presigner and its bucket. */
export interface S3Target {
  client: S3Client;
  presigner: PreparedPresigner;
  bucket: string;
}

/**
 * The S3 clients of the storage room, built by the AWS core's client factory (shared credentials, retries, the
 * `s3` circuit breaker, metrics): the primary, and the disaster-recovery replica when AwsModule has an S3 failover.
 */
@Injectable()
export class StorageClients implements OnApplicationShutdown {
  readonly primary: S3Target;
  readonly replica?: S3Target;
  /** The credentials the clients sign with; presigned URLs never outlive them. */
  readonly credentials: AwsCredentialsService;
  readonly factory: AwsClientFactory;

  constructor(
    @Inject(STORAGE_MODULE_OPTIONS) readonly options: StorageModuleOptions,
    @Optional() @Inject(AwsClientFactory) factory?: AwsClientFactory,
  ) {
    this.factory = factory ?? standaloneFactory(options);
    this.credentials = options.credentials
      ? AwsCredentialsService.fromStatic(options.credentials)
      : this.factory.credentials;
    const clientOptions: AwsClientOptions = {
      service: 's3',
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: this.credentials,
      connectionTimeoutMs: options.requestTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
    };
    const client = this.factory.create(S3Client, clientOptions, CHECKSUMS_WHEN_REQUIRED);
    this.primary = { client, presigner: new PreparedPresigner(client), bucket: options.bucket };
    const replica = this.factory.createFailover(S3Client, clientOptions, CHECKSUMS_WHEN_REQUIRED);
    if (replica) {
      const bucket = options.failoverBucket ?? options.bucket;
      this.replica = { client: replica, presigner: new PreparedPresigner(replica), bucket };
    }
  }

  /** The replica while the primary's circuit is not closed (and a replica exists); the primary otherwise. */
  readTarget(): S3Target {
    const state = this.factory.breakers.states().s3;
    return this.replica && state !== undefined && state !== 'closed' ? this.replica : this.primary;
  }

  onApplicationShutdown(): void {
    this.primary.client.destroy();
    this.replica?.client.destroy();
  }
}

/** Without AwsModule (the room imported alone), a client factory of its own from the storage options. */
function standaloneFactory(options: StorageModuleOptions): AwsClientFactory {
  if (!options.region) throw new Error('StorageModule needs `region` when AwsModule is not imported');
  return AwsClientFactory.standalone({
    region: options.region,
    endpoints: options.endpoint ? { s3: options.endpoint } : {},
    s3ForcePathStyle: options.forcePathStyle ?? STORAGE_DEFAULTS.forcePathStyle,
    requestTimeoutMs: options.requestTimeoutMs ?? STORAGE_DEFAULTS.requestTimeoutMs,
    connectionTimeoutMs: options.requestTimeoutMs ?? STORAGE_DEFAULTS.requestTimeoutMs,
  });
}

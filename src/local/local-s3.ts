import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type S3rver from 's3rver';

export interface LocalS3Options {
  /** Root of the local profile's data; objects live under `<dataDir>/s3`. */
  dataDir: string;
  /** Bucket created (with a permissive CORS policy) at start. */
  bucket: string;
  /** Loopback port. Default 0: any free port. */
  port?: number;
}

// Browsers (Swagger UI) PUT and GET presigned URLs straight to the endpoint.
const CORS_POLICY = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Content-Disposition</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** One S3 event notification, in the shape S3 sends to SQS. */
export interface S3EventNotification {
  Records: Array<{
    eventVersion: string;
    eventSource: 'aws:s3';
    awsRegion: string;
    eventTime: string;
    eventName: string;
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; arn: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }>;
}

/**
 * The embedded S3-compatible endpoint of the `local` profile (s3rver, objects on disk).
 * s3rver does not check SigV4 signatures: it only stands in for S3, it does not protect anything.
 */
export class LocalS3 {
  readonly credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
  private sequence = 0n;

  private constructor(
    private readonly server: S3rver,
    readonly endpoint: string,
  ) {}

  /**
   * Calls `listener` with an S3 event notification for each object s3rver creates or deletes, corrected to S3's
   * real format: the key URL-encoded, a sequencer that grows with every event (s3rver's is the millisecond clock),
   * the bucket ARN well-formed. Returns the unsubscribe function.
   */
  onObjectEvent(listener: (notification: S3EventNotification) => void): () => void {
    const forward = (event: S3EventNotification): void => {
      listener({
        Records: event.Records.map((record) => ({
          ...record,
          eventVersion: '2.1',
          s3: {
            ...record.s3,
            bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
            object: {
              ...record.s3.object,
              key: encodeEventKey(record.s3.object.key),
              sequencer: this.nextSequencer(),
            },
          },
        })),
      });
    };
    this.server.on('event', forward);
    return () => this.server.off('event', forward);
  }

  private nextSequencer(): string {
    this.sequence += 1n;
    return ((BigInt(Date.now()) << 20n) + this.sequence).toString(16).toUpperCase().padStart(18, '0');
  }

  static async start(options: LocalS3Options): Promise<LocalS3> {
    const directory = join(options.dataDir, 's3');
    await mkdir(directory, { recursive: true });
    // Loaded lazily so the aws profile never pays for s3rver and its dependencies.
    const { default: S3rverServer } = await import('s3rver');
    const server = new S3rverServer({
      address: '127.0.0.1',
      port: options.port ?? 0,
      // silent mutes both s3rver's winston console logger and Koa's default error printer.
      silent: true,
      directory,
      configureBuckets: [{ name: options.bucket, configs: [CORS_POLICY] }],
    });
    const address = await server.run();
    return new LocalS3(server, `http://127.0.0.1:${address.port}`);
  }

  async stop(): Promise<void> {
    const closed = this.server.close();
    // Keep-alive sockets from SDK clients would otherwise hold close() open.
    this.server.httpServer?.closeAllConnections();
    await closed;
  }
}

/** S3 event keys are form-encoded: spaces as `+`, every other reserved character escaped but `/`. */
function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/gi, '/');
}

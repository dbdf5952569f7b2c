// s3rver 3 ships no types; this covers the part LocalS3 uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverBucket {
    name: string;
    /** CORSConfiguration or WebsiteConfiguration XML documents. */
    configs?: Array<string | Buffer>;
  }

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: S3rverBucket[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    readonly httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): this;
    /** An S3 event notification of an object created or deleted. */
    on(event: 'event', listener: (notification: import('./local-s3').S3EventNotification) => void): this;
    off(event: 'event', listener: (notification: import('./local-s3').S3EventNotification) => void): this;
  }

  export = S3rver;
}

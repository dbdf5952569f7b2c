/**
 * Estimated price of one request, micro-USD, per service: an operation name (`PutObject`), or `*` for the
 * service's other operations. An estimate for dashboards, not a bill: storage, transfer and free tiers are left out.
 */
export type AwsPriceTable = Record<string, Record<string, number>>;

// S3 Standard list prices (us-east-1): PUT, COPY, POST, LIST $0.005 per 1,000; GET, HEAD and the rest $0.0004 per
// 1,000; DELETE and multipart abort free.
const S3_WRITE_CLASS = 5;
const S3_READ_CLASS = 0.4;
const S3_WRITE_OPERATIONS = [
  'PutObject',
  'CopyObject',
  'PostObject',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListBuckets',
  'ListMultipartUploads',
  'ListParts',
  'CreateBucket',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'RestoreObject',
  'PutObjectTagging',
  'PutObjectAcl',
  'PutObjectRetention',
  'PutObjectLegalHold',
];
const S3_FREE_OPERATIONS = ['DeleteObject', 'AbortMultipartUpload', 'DeleteBucket'];

/** Defaults: published per-request list prices for S3 and KMS ($0.03 per 10,000 requests); STS is free. */
export const DEFAULT_PRICES: AwsPriceTable = {
  s3: {
    '*': S3_READ_CLASS,
    ...Object.fromEntries(S3_WRITE_OPERATIONS.map((operation) => [operation, S3_WRITE_CLASS])),
    ...Object.fromEntries(S3_FREE_OPERATIONS.map((operation) => [operation, 0])),
  },
  kms: { '*': 3 },
  sts: { '*': 0 },
};

/** The override's entries win, operation by operation. */
export function mergePriceTables(base: AwsPriceTable, override: AwsPriceTable): AwsPriceTable {
  const merged: AwsPriceTable = { ...base };
  for (const [service, prices] of Object.entries(override)) merged[service] = { ...merged[service], ...prices };
  return merged;
}

/** Micro-USD of one request; 0 for a service without a price. */
export function requestPrice(prices: AwsPriceTable, service: string, operation: string): number {
  const table = prices[service];
  return table?.[operation] ?? table?.['*'] ?? 0;
}

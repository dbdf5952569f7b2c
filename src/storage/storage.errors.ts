import { Logger } from '@nestjs/common';
import { DomainError, NotFoundError, UnavailableError } from '../errors/domain-errors';

const logger = new Logger('StorageErrors');

interface S3LikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);
// Server-side and transport failures: the request may succeed when retried later.
const TRANSIENT = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// The service's own setup is wrong (policy, key, bucket, clock): an operator must act, the caller cannot.
const MISCONFIGURED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'NoSuchBucket',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'CredentialsProviderError',
]);
const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);

function isS3LikeError(error: unknown): error is S3LikeError {
  return typeof error === 'object' && error !== null;
}

function errorCodes(error: S3LikeError): string[] {
  return [error.name, error.code, error.Code].filter((code): code is string => typeof code === 'string');
}

/** True when S3 says the object (or its version) does not exist. */
export function isS3NotFound(error: unknown): boolean {
  if (!isS3LikeError(error)) return false;
  return errorCodes(error).some((code) => MISSING.has(code)) || error.$metadata?.httpStatusCode === 404;
}

/**
 * Maps an S3 SDK or transport error to the domain error the exception filter understands.
 * Unknown client errors are programming mistakes and are rethrown unchanged.
 */
export function mapS3Error(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (!isS3LikeError(error)) throw error;
  const codes = errorCodes(error);
  const status = error.$metadata?.httpStatusCode;
  if (codes.some((code) => MISCONFIGURED.has(code)) || status === 403) {
    logger.error(
      `S3 refused the service (${codes[0] ?? status}); check the bucket policy, KMS key and credentials` +
        ` (requestId=${error.$metadata?.requestId ?? 'none'}, extendedRequestId=${error.$metadata?.extendedRequestId ?? 'none'})`,
    );
    return new UnavailableError('storage', 30, { cause: error });
  }
  if (codes.some((code) => THROTTLING.has(code)) || status === 429) {
    return new UnavailableError('storage', 2, { cause: error });
  }
  if (isS3NotFound(error)) return new NotFoundError('The stored object does not exist');
  if (
    codes.some((code) => TRANSIENT.has(code)) ||
    error.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return new UnavailableError('storage', 5, { cause: error });
  }
  throw error;
}

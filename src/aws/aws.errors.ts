import { Logger } from '@nestjs/common';
import {
  ConflictError,
  DomainError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
} from '../errors/domain-errors';
import { NETWORK_ERROR_CODES } from '../errors/network-errors';

const logger = new Logger('AwsErrors');

/** What went wrong, in the few kinds a caller can act on; `unknown` is a programming error. */
export type AwsErrorKind =
  | 'not_found'
  | 'conflict'
  | 'invalid_input'
  | 'throttled'
  | 'unavailable'
  | 'misconfigured'
  | 'circuit_open'
  | 'unknown';

/** Seconds a caller should wait before retrying, per kind. */
export const RETRY_AFTER_SECONDS = { throttled: 2, unavailable: 5, misconfigured: 30 } as const;

/** Thrown by a client whose service circuit is open: the call never left the process. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly service: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`The ${service} circuit is open after repeated failures; failing fast`);
  }
}

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string; attempts?: number };
}

const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
// Server-side and transport failures: the request may succeed when retried later.
const UNAVAILABLE = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSInternalException',
  'KMS.KMSInternalException',
  'IDPCommunicationError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  ...NETWORK_ERROR_CODES,
]);
// The service's own setup is wrong (policy, key, bucket, clock, credentials): an operator must act, the caller cannot.
const MISCONFIGURED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'RequestExpired',
  'NoSuchBucket',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'RegionDisabledException',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'KMS.KMSInvalidStateException',
  'DisabledException',
  'KMSInvalidStateException',
  'CredentialsProviderError',
]);
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion', 'NoSuchUpload', 'ResourceNotFoundException']);
const CONFLICT = new Set([
  'BucketAlreadyExists',
  'BucketAlreadyOwnedByYou',
  'PreconditionFailed',
  'ConditionalRequestConflict',
  'OperationAborted',
  'ConflictException',
  'ResourceInUseException',
  'InvalidObjectState',
]);
// Refusals caused by what the caller sent (size, digest), not by the service's own code.
const INVALID_INPUT = new Set([
  'EntityTooLarge',
  'EntityTooSmall',
  'BadDigest',
  'InvalidDigest',
  'KeyTooLongError',
  'MetadataTooLarge',
  'XAmzContentSHA256Mismatch',
]);

/** Every code the mapper knows: bounded, so it may be a metric dimension. */
export const KNOWN_AWS_ERROR_CODES: ReadonlySet<string> = new Set([
  ...THROTTLED,
  ...UNAVAILABLE,
  ...MISCONFIGURED,
  ...NOT_FOUND,
  ...CONFLICT,
  ...INVALID_INPUT,
  'CircuitOpenError',
]);

function asAwsLike(error: unknown): AwsLikeError | undefined {
  return typeof error === 'object' && error !== null ? (error as AwsLikeError) : undefined;
}

function codesOf(error: AwsLikeError): string[] {
  return [error.name, error.code, error.Code].filter((code): code is string => typeof code === 'string');
}

/** The most specific error code: a known code first, else the SDK's name. */
export function awsErrorCode(error: unknown): string {
  const awsError = asAwsLike(error);
  if (!awsError) return 'Unknown';
  const codes = codesOf(awsError);
  return codes.find((code) => KNOWN_AWS_ERROR_CODES.has(code)) ?? codes[0] ?? 'Unknown';
}

/** The AWS request ids of a failed call, for the log line an operator quotes to AWS support. */
export function awsRequestIds(error: unknown): { requestId: string; extendedRequestId?: string } {
  const metadata = asAwsLike(error)?.$metadata;
  return { requestId: metadata?.requestId ?? 'none', extendedRequestId: metadata?.extendedRequestId };
}

/** True when the service says the object, version or resource does not exist. */
export function isAwsNotFound(error: unknown): boolean {
  const awsError = asAwsLike(error);
  if (!awsError) return false;
  return codesOf(awsError).some((code) => NOT_FOUND.has(code)) || awsError.$metadata?.httpStatusCode === 404;
}

/** Sorts an SDK, transport or breaker error into one kind; order matters (NoSuchBucket is a 404 but misconfigured). */
export function classifyAwsError(error: unknown): AwsErrorKind {
  if (error instanceof CircuitOpenError) return 'circuit_open';
  const awsError = asAwsLike(error);
  if (!awsError) return 'unknown';
  const codes = codesOf(awsError);
  const status = awsError.$metadata?.httpStatusCode;
  const has = (set: Set<string>) => codes.some((code) => set.has(code));
  if (has(MISCONFIGURED) || status === 403 || status === 401) return 'misconfigured';
  if (has(THROTTLED) || status === 429 || awsError.$retryable?.throttling === true) return 'throttled';
  if (isAwsNotFound(error)) return 'not_found';
  if (has(CONFLICT) || status === 409 || status === 412) return 'conflict';
  if (has(INVALID_INPUT) || status === 413) return 'invalid_input';
  if (has(UNAVAILABLE) || awsError.$fault === 'server' || (status !== undefined && status >= 500)) {
    return 'unavailable';
  }
  return 'unknown';
}

/** True for failures that mean the service is down (they feed the circuit breaker); a caller's abort is not one. */
export function isAwsOutage(error: unknown): boolean {
  return classifyAwsError(error) === 'unavailable' && awsErrorCode(error) !== 'AbortError';
}

export interface AwsErrorContext {
  /** Dependency named in the 503 detail, e.g. `storage`. */
  dependency: string;
  /** Detail of the 404. Default: "The requested resource does not exist". */
  notFound?: string;
}

/**
 * The one mapping of AWS failures to domain errors (the ProblemFilter renders them): throttling and outages →
 * 503 with Retry-After; AccessDenied and other misconfiguration → logged with the request id, 503 to the caller
 * (never their 403). Domain errors pass through; anything else is a bug and is rethrown unchanged.
 */
export function mapAwsError(error: unknown, context: AwsErrorContext): DomainError {
  if (error instanceof DomainError) return error;
  const kind = classifyAwsError(error);
  const code = awsErrorCode(error);
  switch (kind) {
    case 'circuit_open':
      return new UnavailableError(context.dependency, (error as CircuitOpenError).retryAfterSeconds, { cause: error });
    case 'misconfigured': {
      const { requestId, extendedRequestId } = awsRequestIds(error);
      logger.error(
        `AWS refused the service's own request for ${context.dependency} (${code}); check the IAM policy, KMS key, ` +
          `bucket and credentials (requestId=${requestId}, extendedRequestId=${extendedRequestId ?? 'none'})`,
      );
      return new UnavailableError(context.dependency, RETRY_AFTER_SECONDS.misconfigured, { cause: error });
    }
    case 'throttled':
      return new UnavailableError(context.dependency, RETRY_AFTER_SECONDS.throttled, { cause: error });
    case 'unavailable':
      return new UnavailableError(context.dependency, RETRY_AFTER_SECONDS.unavailable, { cause: error });
    case 'not_found':
      return new NotFoundError(context.notFound ?? 'The requested resource does not exist', { cause: error });
    case 'conflict':
      return new ConflictError(`The ${context.dependency} state changed meanwhile (${code}); retry`, { cause: error });
    case 'invalid_input':
      return new InvalidInputError(`The ${context.dependency} refused the content (${code})`);
    case 'unknown':
      throw error;
  }
}

import { isAwsNotFound, mapAwsError } from '../aws/aws.errors';
import type { DomainError } from '../errors/domain-errors';

/** True when S3 says the object (or its version) does not exist. */
export function isS3NotFound(error: unknown): boolean {
  return isAwsNotFound(error);
}

/**
 * Maps an S3 SDK, transport or circuit-breaker error through the one AWS error mapper, as the `storage`
 * dependency. Unknown client errors are programming mistakes and are rethrown unchanged.
 */
export function mapS3Error(error: unknown): DomainError {
  return mapAwsError(error, { dependency: 'storage', notFound: 'The stored object does not exist' });
}

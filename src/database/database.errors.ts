import { Logger } from '@nestjs/common';
import { ConflictError, DomainError, InvalidInputError, UnavailableError } from '../errors/domain-errors';
import { NETWORK_ERROR_CODES } from '../errors/network-errors';

const logger = new Logger('DatabaseErrors');

interface PgLikeError {
  code?: string;
  message?: string;
}

/** Seconds a caller should wait after the database failed. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

// SQLSTATE classes that mean "the database is not usable right now", not "your request is wrong".
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];
const UNAVAILABLE_CODES = new Set(['40001', '40P01', '55P03']);
// The connection itself is gone or could not be made: class 08, server shutdown (57P01-57P03), transport and TLS errors.
const CONNECTION_CODES = new Set([
  '28000',
  '28P01',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  ...NETWORK_ERROR_CODES,
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
// pg and pg-pool raise these without a code.
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|does not support SSL|ECONNRESET|socket hang up/i;

function isPgLikeError(error: unknown): error is PgLikeError {
  return typeof error === 'object' && error !== null && 'message' in error;
}

/** True when the connection broke or could not be opened: the statement may never have reached the server. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof UnavailableError) return error.dependency === 'database';
  if (!isPgLikeError(error)) return false;
  const code = error.code;
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.test(error.message ?? '');
}

/** True when the server refused the service's login (wrong or rotated password, expired IAM token). */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = isPgLikeError(error) ? error.code : undefined;
  return code === '28P01' || code === '28000';
}

/** Maps a pg driver error to the domain error the filter understands; anything else (a bug) passes unchanged. */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = isPgLikeError(error) ? error.code : undefined;
  if (code === '23505') return new ConflictError('The resource already exists');
  if (code === '22P02' || code === '22001' || code === '22003' || code === '22007') {
    return new InvalidInputError('A value has the wrong format or size');
  }
  if (isAuthenticationFailure(error)) {
    // The service's own login was refused (expired IAM token, rotated password, no rds_iam grant): an operator must act.
    logger.error(
      `the database refused the service's login (${code}); check DATABASE_USER, its password or rds_iam grant`,
    );
  }
  if (
    isConnectionFailure(error) ||
    (code && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2))))
  ) {
    return new UnavailableError('database', DATABASE_RETRY_AFTER_SECONDS, { cause: error });
  }
  const message = isPgLikeError(error) ? (error.message ?? '') : '';
  // Client-side query timeouts carry no SQLSTATE either.
  if (/timeout|socket/i.test(message)) {
    return new UnavailableError('database', DATABASE_RETRY_AFTER_SECONDS, { cause: error });
  }
  return error;
}

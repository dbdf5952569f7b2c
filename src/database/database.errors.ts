import { ConflictError, DomainError, InvalidInputError, UnavailableError } from '../errors/domain-errors';

interface PgLikeError {
  code?: string;
  message?: string;
}

// SQLSTATE classes that mean "the database is not usable right now", not "your request is wrong".
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];
const UNAVAILABLE_CODES = new Set(['40001', '40P01', '55P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

function isPgLikeError(error: unknown): error is PgLikeError {
  return typeof error === 'object' && error !== null && 'message' in error;
}

/** Maps a pg driver error to the domain error the filter understands; anything else (a bug) passes unchanged. */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = isPgLikeError(error) ? error.code : undefined;
  if (code === '23505') return new ConflictError('The resource already exists');
  if (code === '22P02' || code === '22001' || code === '22003' || code === '22007') {
    return new InvalidInputError('A value has the wrong format or size');
  }
  if (code && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)))) {
    return new UnavailableError('database', 2, { cause: error });
  }
  const message = isPgLikeError(error) ? (error.message ?? '') : '';
  // Connection-level failures from pg-pool carry no SQLSTATE.
  if (/timeout|terminated|Connection|ECONN|socket|not queryable/i.test(message)) {
    return new UnavailableError('database', 2, { cause: error });
  }
  return error;
}

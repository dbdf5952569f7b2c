/** A field-level problem reported with a 400. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The small set of errors every room throws; the ProblemFilter turns each into problem+json.
 * Driver and SDK errors are mapped to these once, in the room that owns the driver.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  headers(): Record<string, string> {
    return {};
  }
  /** Extra problem members (RFC 9457 extensions). */
  extensions(): Record<string, unknown> {
    return {};
  }
}

export class InvalidInputError extends DomainError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    detail: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(detail);
  }
  override extensions(): Record<string, unknown> {
    return this.errors.length > 0 ? { errors: this.errors } : {};
  }
}

export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  readonly title = 'Unauthorized';
  constructor(
    detail = 'A valid bearer access token is required',
    /** Machine-readable reason, for security events and logs; never the token. */
    readonly reason = 'invalid_token',
  ) {
    super(detail);
  }
  override headers(): Record<string, string> {
    return { 'www-authenticate': 'Bearer error="invalid_token"' };
  }
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly title = 'Forbidden';
  constructor(readonly required: string[]) {
    super(`The token lacks the required permission: ${required.join(' or ')}`);
  }
  override headers(): Record<string, string> {
    return { 'www-authenticate': `Bearer error="insufficient_scope", scope="${this.required.join(' ')}"` };
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = 'Not found';
}

/** The path names a resource, but not for this method: RFC 9110 says which methods it has (`Allow`). */
export class MethodNotAllowedError extends DomainError {
  readonly status = 405;
  readonly title = 'Method not allowed';
  constructor(
    method: string,
    readonly allowed: string[],
  ) {
    super(`${method} is not allowed here; allowed: ${allowed.join(', ')}`);
  }
  override headers(): Record<string, string> {
    return { allow: this.allowed.join(', ') };
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict';
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly title = 'Payload too large';
}

/** A dependency (database, S3, token keys) is down or throttling: retry later. */
export class UnavailableError extends DomainError {
  readonly status = 503;
  readonly title = 'Service unavailable';
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(`A dependency is unavailable (${dependency}); retry later`, options);
  }
  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

import { ForbiddenError, UnauthenticatedError } from '../errors/domain-errors';

/** Caller identity taken from a token whose signature verified: safe to record, unlike a forged token's claims. */
export interface VerifiedCaller {
  tenantId?: string;
  objectId?: string;
}

/** A refused token (401). `caller` is set only when the signature verified but a later check failed. */
export class TokenRefusedError extends UnauthenticatedError {
  constructor(
    detail: string,
    reason: string,
    readonly caller: VerifiedCaller = {},
  ) {
    super(detail, reason);
  }
}

/** A valid token refused by a route (403, `insufficient_scope`), with a reason code for security events. */
export class AccessDeniedError extends ForbiddenError {
  constructor(
    required: string[],
    readonly reason: string,
    detail?: string,
  ) {
    super(required);
    if (detail !== undefined) this.message = detail;
  }
}

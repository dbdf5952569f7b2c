import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { UnauthenticatedError, UnavailableError } from '../errors/domain-errors';
import { AuthEventRecorder, type RequestLike } from './auth.events';
import { ENTRA_STRATEGY } from './entra.strategy';

/**
 * Authenticates with the `entra` strategy. Passport hands the error thrown by the strategy to
 * handleRequest as `err`; rethrowing it keeps the UnauthenticatedError/UnavailableError (and its
 * reason) instead of Nest's generic UnauthorizedException. Every 401 leaves a security event.
 */
@Injectable()
export class EntraAuthGuard extends AuthGuard(ENTRA_STRATEGY) {
  constructor(private readonly events: AuthEventRecorder) {
    super();
  }

  override handleRequest<TUser>(err: unknown, user: unknown, _info: unknown, context: ExecutionContext): TUser {
    const refusal = err ?? (user ? undefined : new UnauthenticatedError());
    if (refusal instanceof UnauthenticatedError) {
      this.events.tokenRefused(context.switchToHttp().getRequest<RequestLike>(), refusal);
    } else if (refusal instanceof UnavailableError) {
      this.events.keysUnavailable();
    }
    if (refusal) throw refusal;
    return user as TUser;
  }
}

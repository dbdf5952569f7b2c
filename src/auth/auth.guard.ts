import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { UnauthenticatedError } from '../errors/domain-errors';
import { ENTRA_STRATEGY } from './entra.strategy';

/**
 * Authenticates with the `entra` strategy. Passport hands the error thrown by the strategy to
 * handleRequest as `err`; rethrowing it keeps the UnauthenticatedError/UnavailableError (and its
 * reason) instead of Nest's generic UnauthorizedException.
 */
@Injectable()
export class EntraAuthGuard extends AuthGuard(ENTRA_STRATEGY) {
  override handleRequest<TUser>(err: unknown, user: unknown): TUser {
    if (err) throw err;
    if (!user) throw new UnauthenticatedError();
    return user as TUser;
  }
}

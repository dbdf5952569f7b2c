import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError, UnavailableError } from '../errors/domain-errors';
import { AuthEventRecorder, type RequestLike } from './auth.events';
import { EntraStrategy } from './entra.strategy';
import type { Principal } from './principal';

type AuthenticatingRequest = RequestLike & { headers: IncomingHttpHeaders; user?: Principal };

/**
 * Authenticates with the `entra` Passport strategy's own validate (Authorization header → verified, unrevoked
 * Principal) and leaves the Principal as `request.user`. The strategy's errors pass through unchanged, so a 401 keeps
 * its UnauthenticatedError reason; every 401 leaves a security event.
 *
 * It calls the strategy directly rather than through `passport.authenticate`, which builds a new middleware, a copy of
 * the strategy and five callbacks for every request (about 3 KB of garbage each, README: Benchmarks) to reach the
 * same validate. The strategy stays registered with Passport, so `AuthGuard('entra')` works as well.
 */
@Injectable()
export class EntraAuthGuard implements CanActivate {
  constructor(
    private readonly strategy: EntraStrategy,
    private readonly events: AuthEventRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatingRequest>();
    try {
      request.user = await this.strategy.validate(request);
    } catch (refusal) {
      if (refusal instanceof UnauthenticatedError) this.events.tokenRefused(request, refusal);
      else if (refusal instanceof UnavailableError) this.events.keysUnavailable();
      throw refusal;
    }
    return true;
  }
}

import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal';

/** Injection token of the CallerResolver the application provides (the auth room's token authenticator). */
export const THROTTLE_CALLER = Symbol('THROTTLE_CALLER');

/** The verified caller behind a request's credentials; rejects (or undefined) when there is none. */
export type CallerResolver = (request: { headers: IncomingHttpHeaders }) => Promise<Principal | undefined>;

/**
 * Rate limits per caller: a user by tenant and object id, an app-only token by tenant and service principal, anyone
 * else by client IP. As a global guard it runs before the routes' auth guards, so it asks the CallerResolver (the
 * auth room's claims cache makes that a hash lookup) unless `request.user` is already set. The budget is shared by
 * every route; health probes are never limited. A refusal is a 429 with Retry-After (set by ThrottlerGuard).
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Optional() @Inject(THROTTLE_CALLER) private readonly resolveCaller?: CallerResolver,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const url = context.switchToHttp().getRequest<{ url?: string }>().url ?? '';
    return url.startsWith('/health/');
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request.user as Principal | undefined) ?? (await this.callerOf(request));
    if (principal) return `${principal.appOnly ? 'app' : 'user'}:${principal.tenantId}:${principal.objectId}`;
    return `ip:${await super.getTracker(request)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  private async callerOf(request: Record<string, unknown>): Promise<Principal | undefined> {
    const headers = request.headers as IncomingHttpHeaders | undefined;
    if (!this.resolveCaller || !headers?.authorization) return undefined;
    // An invalid token is the auth guard's to refuse; here it only means "count by IP".
    return this.resolveCaller({ headers }).catch(() => undefined);
  }
}

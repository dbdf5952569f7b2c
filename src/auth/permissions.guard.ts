import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthenticatedError } from '../errors/domain-errors';
import { AccessDeniedError } from './auth.errors';
import { AuthEventRecorder, type RequestLike } from './auth.events';
import type { Principal } from './principal';

export const REQUIRED_PERMISSIONS = 'navius:auth:required-permissions';
export const REQUIRED_TOKEN_KIND = 'navius:auth:required-token-kind';

/** Which tokens a route accepts: user (delegated) tokens, app-only tokens, or both. */
export type TokenKind = 'any' | 'delegated' | 'app';

/**
 * Lets the request through when the token is of the route's kind and the principal holds at least one of the
 * route's permissions (none listed: any principal). Every 403 leaves a security event.
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly events: AuthEventRecorder,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, targets) ?? [];
    const kind = this.reflector.getAllAndOverride<TokenKind | undefined>(REQUIRED_TOKEN_KIND, targets) ?? 'any';
    const request = context.switchToHttp().getRequest<RequestLike & { user?: Principal }>();
    const principal = request.user;
    if (!principal) throw new UnauthenticatedError();
    const refusal = refusalOf(principal, required, kind);
    if (!refusal) return true;
    this.events.accessDenied(request, principal, refusal);
    throw refusal;
  }
}

function refusalOf(principal: Principal, required: string[], kind: TokenKind): AccessDeniedError | undefined {
  if (kind === 'delegated' && principal.appOnly) {
    return new AccessDeniedError(required, 'delegated_only', 'This route accepts only delegated (user) tokens');
  }
  if (kind === 'app' && !principal.appOnly) {
    return new AccessDeniedError(required, 'app_only', 'This route accepts only app-only tokens');
  }
  if (required.length === 0 || required.some((permission) => principal.permissions.includes(permission))) {
    return undefined;
  }
  return new AccessDeniedError(required, 'insufficient_permission');
}

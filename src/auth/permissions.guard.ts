import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-errors';
import type { Principal } from './principal';

export const REQUIRED_PERMISSIONS = 'navius:auth:required-permissions';

/** Lets the request through when the principal holds at least one of the route's permissions (none listed: any principal). */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required =
      this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!principal) throw new UnauthenticatedError();
    if (required.length === 0 || required.some((permission) => principal.permissions.includes(permission))) {
      return true;
    }
    throw new ForbiddenError(required);
  }
}

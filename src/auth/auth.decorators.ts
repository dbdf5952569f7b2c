import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from '../config/app-config';
import { UnauthenticatedError } from '../errors/domain-errors';
import { EntraAuthGuard } from './auth.guard';
import { PermissionsGuard, REQUIRED_PERMISSIONS } from './permissions.guard';
import type { Principal } from './principal';

/** Name of the bearer security scheme in the OpenAPI document. */
export const ENTRA_SECURITY_SCHEME = 'entra';

/** Requires a valid Entra access token holding any one of `permissions` (none: any valid token). */
export function Authorize(...permissions: Permission[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    UseGuards(EntraAuthGuard, PermissionsGuard),
    ApiBearerAuth(ENTRA_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or untrusted access token' }),
    ...(permissions.length > 0
      ? [ApiForbiddenResponse({ description: `Requires one of: ${permissions.join(', ')}` })]
      : []),
  );
}

/** The verified Principal of the request (set by EntraAuthGuard as `request.user`). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw new UnauthenticatedError();
  return principal;
});

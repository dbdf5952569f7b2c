import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from '../config/app-config';
import { UnauthenticatedError } from '../errors/domain-errors';
import { EntraAuthGuard } from './auth.guard';
import { PermissionsGuard, REQUIRED_PERMISSIONS, REQUIRED_TOKEN_KIND, type TokenKind } from './permissions.guard';
import type { Principal } from './principal';

/** Name of the bearer security scheme in the OpenAPI document. */
export const ENTRA_SECURITY_SCHEME = 'entra';

/** How a route restricts the kind of token, beyond its permissions. */
export interface AuthorizeOptions {
  /** `delegated`: user tokens only (an app-only token gets 403); `app`: app-only tokens only; default `any`. */
  tokenKind?: TokenKind;
}

/**
 * Requires a valid Entra access token holding any one of `permissions` (none: any valid token):
 * `@Authorize('Documents.Read')`, or with options first: `@Authorize({ tokenKind: 'delegated' }, 'Documents.Read')`.
 */
export function Authorize(...permissions: Permission[]): MethodDecorator & ClassDecorator;
export function Authorize(options: AuthorizeOptions, ...permissions: Permission[]): MethodDecorator & ClassDecorator;
export function Authorize(...args: (AuthorizeOptions | Permission)[]): MethodDecorator & ClassDecorator {
  const options = typeof args[0] === 'object' ? args[0] : {};
  const permissions = args.filter((arg): arg is Permission => typeof arg === 'string');
  const tokenKind = options.tokenKind ?? 'any';
  const forbidden = [
    ...(permissions.length > 0 ? [`one of: ${permissions.join(', ')}`] : []),
    ...(tokenKind === 'any' ? [] : [`a ${tokenKind === 'app' ? 'app-only' : 'delegated (user)'} token`]),
  ];
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    SetMetadata(REQUIRED_TOKEN_KIND, tokenKind),
    UseGuards(EntraAuthGuard, PermissionsGuard),
    ApiBearerAuth(ENTRA_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, expired, untrusted or revoked access token' }),
    ...(forbidden.length > 0 ? [ApiForbiddenResponse({ description: `Requires ${forbidden.join(' and ')}` })] : []),
  );
}

/** The verified Principal of the request (set by EntraAuthGuard as `request.user`). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw new UnauthenticatedError();
  return principal;
});

import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { openApiSchema } from '../common/openapi-schema';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { Authorize, CurrentPrincipal } from './auth.decorators';
import { AccessDeniedError } from './auth.errors';
import { AuthEventRecorder, type RequestLike } from './auth.events';
import type { Principal } from './principal';
import { SessionRevocations } from './session-revocations';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const revokeSessionsSchema = z
  .object({
    tenantId: z.string().regex(GUID, 'must be a tenant GUID').describe('`tid` of the user'),
    objectId: z.string().regex(GUID, 'must be an object GUID').describe('`oid` of the user'),
  })
  .strict();
type RevokeSessionsInput = z.infer<typeof revokeSessionsSchema>;

export const revokedSessionsSchema = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  revokedAt: z.string().describe('Tokens issued (iat) at or before this second are refused'),
});

@ApiTags('admin')
@Controller('v1/admin/sessions')
export class SessionsController {
  constructor(
    private readonly revocations: SessionRevocations,
    private readonly events: AuthEventRecorder,
  ) {}

  /** Refuses, on every instance within a second, the user's tokens issued up to now. */
  @Post('revoke')
  @HttpCode(202)
  @Authorize('Sessions.Revoke')
  @ApiBody({ schema: openApiSchema(revokeSessionsSchema, 'input') })
  @ApiAcceptedResponse({ schema: openApiSchema(revokedSessionsSchema) })
  @ApiResponse({ status: 503, description: 'Other instances could not be told (Redis down): retry' })
  async revoke(
    @Req() request: RequestLike,
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(revokeSessionsSchema)) body: RevokeSessionsInput,
  ): Promise<z.infer<typeof revokedSessionsSchema>> {
    const tenantId = body.tenantId.toLowerCase();
    const objectId = body.objectId.toLowerCase();
    if (tenantId !== principal.tenantId) {
      // An administrator of one tenant never acts on another tenant's users.
      const refusal = new AccessDeniedError(
        ['Sessions.Revoke'],
        'cross_tenant',
        "Sessions can be revoked only in the caller's own tenant",
      );
      this.events.accessDenied(request, principal, refusal);
      throw refusal;
    }
    const revokedAt = await this.revocations.revoke(tenantId, objectId);
    this.events.sessionsRevoked(request, { tenantId, objectId });
    return { tenantId, objectId, revokedAt: revokedAt.toISOString() };
  }
}

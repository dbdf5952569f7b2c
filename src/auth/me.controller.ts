import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentPrincipal } from './auth.decorators';
import type { Principal } from './principal';

export class MeResponse {
  @ApiProperty({ description: '`sub` claim' })
  subject!: string;
  @ApiProperty({ description: '`oid` claim', format: 'uuid' })
  objectId!: string;
  @ApiProperty({ description: '`tid` claim', format: 'uuid' })
  tenantId!: string;
  @ApiPropertyOptional({ description: 'Display name of a signed-in user', nullable: true, type: String })
  name!: string | null;
  @ApiProperty({ type: [String], description: 'App roles' })
  roles!: string[];
  @ApiProperty({ type: [String], description: 'Delegated scopes' })
  scopes!: string[];
  @ApiProperty({ description: 'True for an app-only (client credentials) token' })
  appOnly!: boolean;
}

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  /** The caller as the service sees it. */
  @Get()
  @Authorize()
  @ApiOkResponse({ type: MeResponse })
  getMe(@CurrentPrincipal() principal: Principal): MeResponse {
    return {
      subject: principal.subject,
      objectId: principal.objectId,
      tenantId: principal.tenantId,
      name: principal.name ?? null,
      roles: principal.roles,
      scopes: principal.scopes,
      appOnly: principal.appOnly,
    };
  }
}

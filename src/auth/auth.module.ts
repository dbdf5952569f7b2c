import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AuthEventRecorder } from './auth.events';
import { EntraAuthGuard } from './auth.guard';
import { AuthHealthIndicator } from './auth.health';
import { ConfigurableModuleClass } from './auth.module-definition';
import { EntraTokenVerifier } from './entra-token.verifier';
import { EntraStrategy } from './entra.strategy';
import { MeController } from './me.controller';
import { PermissionsGuard } from './permissions.guard';
import { SessionRevocations } from './session-revocations';
import { SessionsController } from './sessions.controller';
import { TokenAuthenticator } from './token.authenticator';

/** What the module offers to the rest of the application (and to another team importing it alone). */
const EXPORTED = [
  EntraTokenVerifier,
  TokenAuthenticator,
  SessionRevocations,
  AuthEventRecorder,
  EntraStrategy,
  EntraAuthGuard,
  PermissionsGuard,
  AuthHealthIndicator,
];

/**
 * Entra ID bearer-token authentication: `AuthModule.forRoot({...})` or `forRootAsync({ useFactory })`.
 * Uses CacheModule's CacheBus when it is available (revocations across instances), and the SECURITY_EVENT_SINK
 * of the audit room when one is provided (otherwise security events are logged).
 */
@Module({
  imports: [PassportModule],
  controllers: [MeController, SessionsController],
  providers: [...EXPORTED, HealthIndicatorService],
  exports: EXPORTED,
})
export class AuthModule extends ConfigurableModuleClass {}

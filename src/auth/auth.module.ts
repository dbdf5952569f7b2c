import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EntraAuthGuard } from './auth.guard';
import { AuthHealthIndicator } from './auth.health';
import { ConfigurableModuleClass } from './auth.module-definition';
import { EntraTokenVerifier } from './entra-token.verifier';
import { EntraStrategy } from './entra.strategy';
import { MeController } from './me.controller';
import { PermissionsGuard } from './permissions.guard';

/** Entra ID bearer-token authentication: `AuthModule.forRoot({...})` or `forRootAsync({ useFactory })`. */
@Module({
  imports: [PassportModule],
  controllers: [MeController],
  providers: [
    EntraTokenVerifier,
    EntraStrategy,
    EntraAuthGuard,
    PermissionsGuard,
    AuthHealthIndicator,
    HealthIndicatorService,
  ],
  exports: [EntraTokenVerifier, EntraAuthGuard, PermissionsGuard, AuthHealthIndicator],
})
export class AuthModule extends ConfigurableModuleClass {}

import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AwsCircuitBreakers } from './aws.circuit-breaker';
import { AwsClientFactory } from './aws.client-factory';
import { AwsCredentialsService } from './aws.credentials';
import { AwsHealthIndicator } from './aws.health';
import { AWS_MODULE_OPTIONS, AwsConfigurableModule, type AwsModuleOptions } from './aws.module-definition';
import { AWS_SETTINGS, resolveAwsSettings, type AwsSettings } from './aws.settings';
import { AwsTenantHook } from './aws.tenant.hook';
import { AwsTenantUsage } from './aws.usage';

const fromFactory = <T>(pick: (factory: AwsClientFactory) => T) => ({ useFactory: pick, inject: [AwsClientFactory] });

/**
 * The AWS core every AWS-facing room builds its clients with: `AwsModule.forRoot({ region, credentials, ... })`
 * or `forRootAsync({ useFactory })`; `isGlobal: true` lets every room inject AwsClientFactory.
 */
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: AWS_SETTINGS,
      useFactory: (options: AwsModuleOptions) => resolveAwsSettings(options),
      inject: [AWS_MODULE_OPTIONS],
    },
    {
      provide: AwsClientFactory,
      useFactory: (settings: AwsSettings) => new AwsClientFactory(settings),
      inject: [AWS_SETTINGS],
    },
    { provide: AwsCredentialsService, ...fromFactory((factory) => factory.credentials) },
    { provide: AwsCircuitBreakers, ...fromFactory((factory) => factory.breakers) },
    { provide: AwsTenantUsage, ...fromFactory((factory) => factory.usage) },
    AwsHealthIndicator,
    AwsTenantHook,
  ],
  exports: [
    AWS_SETTINGS,
    AwsClientFactory,
    AwsCredentialsService,
    AwsCircuitBreakers,
    AwsTenantUsage,
    AwsHealthIndicator,
  ],
})
export class AwsModule extends AwsConfigurableModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(AwsClientFactory) private readonly factory: AwsClientFactory) {
    super();
  }

  onApplicationBootstrap(): void {
    this.factory.usage.start(this.factory.settings.usageLogIntervalMs);
  }

  onApplicationShutdown(): void {
    this.factory.usage.stop();
  }
}

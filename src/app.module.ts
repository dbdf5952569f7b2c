import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditApiModule } from './audit/audit.api.module';
import { AUDIT_MIGRATIONS_DIR, AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { EntraStrategy } from './auth/entra.strategy';
import { AwsModule } from './aws/aws.module';
import { CacheModule } from './cache/cache.module';
import { rateLimitModule } from './cache/cache.throttler';
import { CallerThrottlerGuard, THROTTLE_CALLER, type CallerResolver } from './cache/cache.throttler.guard';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DOCUMENTS_MIGRATIONS_DIR, DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import type { LocalRuntime } from './local/local.runtime';
import { StorageModule } from './storage/storage.module';

/** A single-tenant deployment's tenant: its auditors also see refused tokens no tenant can be tied to. */
function isTenantGuid(tenantId: string | undefined): tenantId is string {
  return tenantId !== undefined && tenantId !== 'organizations' && tenantId !== 'common';
}

/** Per-caller rate limiting: a global guard that learns the caller from the auth room's (cached) token check. */
function rateLimitProviders(): Provider[] {
  return [
    { provide: APP_GUARD, useClass: CallerThrottlerGuard },
    {
      provide: THROTTLE_CALLER,
      inject: [EntraStrategy],
      useFactory:
        (strategy: EntraStrategy): CallerResolver =>
        (request) =>
          strategy.validate(request),
    },
  ];
}

/** Wires every room from the one AppConfig; embedded stand-ins replace what the local profile leaves out. */
@Module({})
export class AppModule {
  static register(config: AppConfig, local?: LocalRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        AwsModule.forRoot({
          isGlobal: true,
          region: config.aws.region,
          credentials: {
            // The embedded S3 endpoint takes fixed keys; anything AWS-bound uses the configured chain.
            static: local?.s3 && !config.aws.profile && !config.aws.assumeRole ? local.s3.credentials : undefined,
            profile: config.aws.profile,
            assumeRole: config.aws.assumeRole,
            refreshBeforeExpirySeconds: config.aws.credentialsRefreshSeconds,
          },
          endpoints: {
            s3: config.storage.endpoint ?? local?.s3?.endpoint,
            sts: config.aws.endpoints.sts,
            kms: config.aws.endpoints.kms,
          },
          s3ForcePathStyle: config.storage.forcePathStyle || local?.s3 !== undefined,
          useFipsEndpoint: config.aws.useFipsEndpoint,
          useDualstackEndpoint: config.aws.useDualstackEndpoint,
          retryMode: config.aws.retryMode,
          maxAttempts: config.aws.maxAttempts,
          connectionTimeoutMs: config.aws.connectTimeoutMs,
          requestTimeoutMs: config.aws.requestTimeoutMs,
          circuitBreaker: {
            failureThreshold: config.aws.circuitFailureThreshold,
            halfOpenAfterMs: config.aws.circuitHalfOpenMs,
          },
          failover: config.storage.failover ? { s3: config.storage.failover } : {},
          prices: config.aws.prices,
          identityProbe: config.profile === 'aws',
          usageLogIntervalMs: config.aws.usageLogIntervalMs,
        }),
        DatabaseModule.forRoot({
          isGlobal: true,
          connectionString: config.database.url ?? local?.postgres?.url,
          host: config.database.host,
          port: config.database.port,
          user: config.database.user,
          database: config.database.name,
          password: config.database.password,
          iamAuth: config.database.iamAuth,
          passwordSecret: config.database.passwordSecret,
          ssl: config.database.sslMode
            ? { mode: config.database.sslMode, caFile: config.database.sslCaFile }
            : undefined,
          readerHost: config.database.readerHost,
          // PGlite is one backend: a second connection would share its session.
          max: local?.postgres ? 1 : config.database.poolMax,
          copyFromStdin: !local?.postgres,
          statementTimeoutMs: config.database.statementTimeoutMs,
          connectTimeoutMs: config.database.connectTimeoutMs,
          idleTimeoutMs: config.database.idleTimeoutMs,
          maxNewConnectionsPerSecond: config.database.maxNewConnectionsPerSecond,
          slowQueryMs: config.database.slowQueryMs,
          migrationDirs: [DOCUMENTS_MIGRATIONS_DIR, AUDIT_MIGRATIONS_DIR],
        }),
        CacheModule.forRoot({
          isGlobal: true,
          redisUrl: config.cache.redisUrl,
          keyPrefix: config.cache.keyPrefix,
          ttlSeconds: config.cache.ttlSeconds,
          localMaxEntries: config.cache.localMaxEntries,
          localTtlMs: config.cache.localTtlMs,
          staleSeconds: config.cache.staleSeconds,
          cluster: config.cache.cluster,
          commandTimeoutMs: config.cache.commandTimeoutMs,
          iamAuth: config.cache.iam,
        }),
        ...(config.rateLimit.limit > 0 ? [rateLimitModule(config.rateLimit)] : []),
        // Region, endpoint, path style, retries and shared credentials come from AwsModule's client factory.
        StorageModule.forRoot({
          isGlobal: true,
          bucket: config.storage.bucket,
          credentials: local?.s3?.credentials,
          kmsKeyId: config.storage.kmsKeyId,
          uploadUrlTtlSeconds: config.storage.uploadUrlTtlSeconds,
          downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
          requestTimeoutMs: config.storage.requestTimeoutMs,
          createBucketIfMissing: local?.s3 !== undefined,
          failoverBucket: config.storage.failoverBucket,
          multipartThresholdBytes: config.storage.multipartThresholdBytes,
          multipartPartBytes: config.storage.multipartPartBytes,
          eventsQueueUrl: config.storage.eventsQueueUrl,
          eventsEndpoint: config.aws.endpoints.sqs,
          eventsWaitSeconds: config.storage.eventsWaitSeconds,
        }),
        AuthModule.forRoot({
          isGlobal: true,
          ...(local?.issuer
            ? { authorityHost: local.issuer.authorityHost, tenantId: 'organizations', allowedTenants: '*' as const }
            : {
                authorityHost: config.entra.authorityHost,
                tenantId: config.entra.tenantId ?? 'organizations',
                allowedTenants: config.entra.allowedTenants,
              }),
          clientId: config.entra.clientId,
          audiences: config.entra.audiences,
          clockSkewSeconds: config.entra.clockSkewSeconds,
          roleMap: config.entra.roleMap,
          scopeMap: config.entra.scopeMap,
          groupMap: config.entra.groupMap,
          acceptV1Tokens: config.entra.acceptV1Tokens,
          maxTokenAgeSeconds: config.entra.maxTokenAgeSeconds,
          allowHttpAuthority: config.profile !== 'aws',
        }),
        HealthModule,
        DocumentsModule,
        // After DatabaseModule: its last flush runs before the database pool closes.
        AuditModule.forRoot({
          accessLog: config.audit.accessLog,
          retentionDays: config.audit.retentionDays,
          queueMax: config.audit.queueMax,
          flushIntervalMs: config.audit.flushIntervalMs,
          batchSize: config.audit.batchSize,
          homeTenantId: isTenantGuid(config.entra.tenantId) ? config.entra.tenantId : undefined,
        }),
        AuditApiModule,
      ],
      providers: [...(config.rateLimit.limit > 0 ? rateLimitProviders() : [])],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { CacheModule } from './cache/cache.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DOCUMENTS_MIGRATIONS_DIR, DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import type { Logger } from 'pino';
import type { LocalRuntime } from './local/local.runtime';
import { loggingModule } from './observability/logging.module';
import { StorageModule } from './storage/storage.module';

/** Wires every room from the one AppConfig; embedded stand-ins replace what the local profile leaves out. */
@Module({})
export class AppModule {
  static register(config: AppConfig, logger: Logger, local?: LocalRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(logger),
        DatabaseModule.forRoot({
          isGlobal: true,
          connectionString: config.database.url ?? local?.postgres?.url,
          host: config.database.host,
          port: config.database.port,
          user: config.database.user,
          database: config.database.name,
          password: config.database.password,
          // PGlite is one backend: a second connection would share its session.
          max: local?.postgres ? 1 : config.database.poolMax,
          statementTimeoutMs: config.database.statementTimeoutMs,
          connectTimeoutMs: config.database.connectTimeoutMs,
          migrationDirs: [DOCUMENTS_MIGRATIONS_DIR],
        }),
        CacheModule.forRoot({
          isGlobal: true,
          redisUrl: config.cache.redisUrl,
          keyPrefix: config.cache.keyPrefix,
          ttlSeconds: config.cache.ttlSeconds,
          localMaxEntries: config.cache.localMaxEntries,
          localTtlMs: config.cache.localTtlMs,
        }),
        StorageModule.forRoot({
          isGlobal: true,
          bucket: config.storage.bucket,
          region: config.aws.region,
          endpoint: config.storage.endpoint ?? local?.s3?.endpoint,
          forcePathStyle: config.storage.forcePathStyle || local?.s3 !== undefined,
          credentials: local?.s3?.credentials,
          kmsKeyId: config.storage.kmsKeyId,
          uploadUrlTtlSeconds: config.storage.uploadUrlTtlSeconds,
          downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
          requestTimeoutMs: config.storage.requestTimeoutMs,
          createBucketIfMissing: local?.s3 !== undefined,
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
          allowHttpAuthority: config.profile !== 'aws',
        }),
        HealthModule,
        DocumentsModule,
      ],
    };
  }
}

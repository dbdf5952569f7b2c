import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface DatabaseModuleOptions {
  /** postgres:// connection string; when set, host/port/user/database/password are ignored. */
  connectionString?: string;
  /** Server host name (no default; required without connectionString). */
  host?: string;
  /** Server port. Default 5432. */
  port?: number;
  /** Database user. */
  user?: string;
  /** Database name. */
  database?: string;
  /** Static password; IAM auth tokens replace it in a later release. */
  password?: string;
  /** Pool size upper bound. Default 10. */
  max?: number;
  /** Server-side statement_timeout for every connection, ms. Default 5000. */
  statementTimeoutMs?: number;
  /** Time to wait for a new connection, ms. Default 3000. */
  connectTimeoutMs?: number;
  /** Idle connections are closed after this many ms. Default 30000. */
  idleTimeoutMs?: number;
  /** Folders of SQL migrations (node-pg-migrate format) applied at start-up, in order. Default none. */
  migrationDirs?: string[];
  /** Table recording applied migrations. Default `pgmigrations`. */
  migrationsTable?: string;
}

export const { ConfigurableModuleClass: DatabaseConfigurableModule, MODULE_OPTIONS_TOKEN: DATABASE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<DatabaseModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

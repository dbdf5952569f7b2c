import { ConfigurableModuleBuilder } from '@nestjs/common';

/** `disable`: plain TCP; `require`: TLS without verification (development only); `verify-full`: TLS, CA and host name checked. */
export type DatabaseSslMode = 'disable' | 'require' | 'verify-full';

export interface DatabaseSslOptions {
  /** How the connection is protected. Default `disable`. */
  mode: DatabaseSslMode;
  /** PEM bundle of the CAs to trust for verify-full (RDS's global bundle). Default: Node's trust store. */
  caFile?: string;
  /** The same bundle as PEM text, instead of caFile. Default: none. */
  ca?: string;
}

export interface DatabaseIamAuthOptions {
  /** Region of the RDS instance. Default: the AwsModule's region. */
  region?: string;
  /** Produces one auth token; default: `@aws-sdk/rds-signer` with the AwsModule's shared credentials. */
  signer?: () => Promise<string>;
  /** A token is reused for new connections this long, seconds (RDS tokens live 900 s). Default 600. */
  refreshAfterSeconds?: number;
}

export interface DatabasePasswordSecretOptions {
  /** ARN or name of the secret: JSON with a `password` member (RDS-managed, rotation functions) or the bare password. */
  secretId: string;
  /** A fetched password is reused for new connections this long, seconds; a refused one is dropped at once. Default 900. */
  refreshAfterSeconds?: number;
  /** Reads the password; default: Secrets Manager through the AwsModule's client factory. */
  fetch?: () => Promise<string>;
}

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
  /** Static password (or Secrets Manager's, injected by ECS). Ignored with iamAuth or passwordSecret. Default: none. */
  password?: string;
  /**
   * The password read from Secrets Manager at run time, so a rotated secret is picked up without a restart: cached,
   * re-read after `refreshAfterSeconds` and as soon as the server refuses it. Ignored with iamAuth. Default: none.
   */
  passwordSecret?: DatabasePasswordSecretOptions;
  /** RDS IAM authentication: each new connection's password is a cached, short-lived IAM token. Default off. */
  iamAuth?: boolean | DatabaseIamAuthOptions;
  /** TLS of every connection, writer and reader. Default `{ mode: 'disable' }`. */
  ssl?: DatabaseSslOptions;
  /** Host of a read replica / Aurora reader endpoint for `read()`; same port, user, database and TLS. Default none. */
  readerHost?: string;
  /** Connection string of the reader instead of readerHost. Default none. */
  readerConnectionString?: string;
  /** Pool size upper bound (per pool: writer, reader). Default 10. */
  max?: number;
  /** Server-side statement_timeout for every connection, ms. Default 5000. */
  statementTimeoutMs?: number;
  /** Time to wait for a new connection, ms. Default 3000. */
  connectTimeoutMs?: number;
  /** Idle connections are closed after this many ms. Default 30000. */
  idleTimeoutMs?: number;
  /** New connections opened per second at most (RDS IAM auth allows about 200/s per instance). Default 100. */
  maxNewConnectionsPerSecond?: number;
  /** Queries slower than this are logged with their statement name (never their values), ms; 0 disables. Default 500. */
  slowQueryMs?: number;
  /** Consecutive connection failures that make queries fail fast (503) without waiting on the network. Default 5. */
  circuitFailureThreshold?: number;
  /** How long the open circuit fails fast before one trial query, ms. Default 5000. */
  circuitHalfOpenMs?: number;
  /** Folders of SQL migrations (node-pg-migrate format) applied at start-up, in order. Default none. */
  migrationDirs?: string[];
  /** Table recording applied migrations. Default `pgmigrations`. */
  migrationsTable?: string;
  /**
   * The server takes `COPY … FROM STDIN`, as every PostgreSQL does; bulk writers (the audit trail) then load their
   * rows that way. Default true. False for the embedded PGlite, whose wire protocol drops the connection on it.
   */
  copyFromStdin?: boolean;
}

export const { ConfigurableModuleClass: DatabaseConfigurableModule, MODULE_OPTIONS_TOKEN: DATABASE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<DatabaseModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

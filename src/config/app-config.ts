import { environmentSchema, type Environment } from './config.schema';

export type Profile = Environment['APP_PROFILE'];
export type Permission = 'Documents.Read' | 'Documents.Write' | 'Audit.Read' | 'Sessions.Revoke';

/** The one typed configuration object every room reads. */
export interface AppConfig {
  profile: Profile;
  /** HTTP_REQUEST_TIMEOUT_MS: a request (headers and body) not received in full by then is answered 408. */
  http: { host: string; port: number; bodyLimitBytes: number; requestTimeoutMs: number };
  logLevel: Environment['LOG_LEVEL'];
  shutdown: { timeoutMs: number; drainDelayMs: number };
  localDataDir: string;
  database: {
    /** Absent in the `local` profile when the embedded PGlite should be used. */
    url?: string;
    host?: string;
    port: number;
    user?: string;
    name?: string;
    password?: string;
    iamAuth: boolean;
    /** DATABASE_PASSWORD_SECRET_ARN: the password read from Secrets Manager at run time (rotation without restart). */
    passwordSecret?: { secretId: string; refreshAfterSeconds: number };
    poolMax: number;
    statementTimeoutMs: number;
    connectTimeoutMs: number;
    idleTimeoutMs: number;
    /** DATABASE_SSL_MODE; `verify-full` in the `aws` profile, else the URL's sslmode (none → plain TCP). */
    sslMode?: 'disable' | 'require' | 'verify-full';
    /** DATABASE_SSL_CA_FILE; in the `aws` profile RDS's global bundle as the container installs it. */
    sslCaFile?: string;
    readerHost?: string;
    maxNewConnectionsPerSecond: number;
    slowQueryMs: number;
  };
  cache: {
    redisUrl?: string;
    keyPrefix: string;
    ttlSeconds: number;
    localMaxEntries: number;
    localTtlMs: number;
    staleSeconds: number;
    /** REDIS_CLUSTER; unset → cluster mode when the host is an ElastiCache configuration endpoint (`clustercfg.`). */
    cluster?: boolean;
    commandTimeoutMs: number;
    /** REDIS_IAM_*: ElastiCache IAM auth (SigV4 token as the password of `userId`). */
    iam?: { userId: string; cacheName: string; serverless: boolean };
  };
  /** RATE_LIMIT_*: requests per caller per window; 0 disables (the default in `local`, 1200 a minute in `aws`). */
  rateLimit: { limit: number; windowSeconds: number };
  aws: {
    /** AWS_REGION; `us-east-1` in the `local` profile, required in `aws`. */
    region: string;
    /** AWS_PROFILE: a named profile instead of the SDK's default credential chain. */
    profile?: string;
    /** AWS_ROLE_ARN and friends: assume this role (cross-account) with the base credentials. */
    assumeRole?: { roleArn: string; sessionName: string; externalId?: string; durationSeconds: number };
    credentialsRefreshSeconds: number;
    retryMode: 'standard' | 'adaptive';
    maxAttempts: number;
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    useFipsEndpoint: boolean;
    useDualstackEndpoint: boolean;
    /** AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL (S3's is `storage.endpoint`). */
    endpoints: { sts?: string; kms?: string; sqs?: string; secretsmanager?: string };
    circuitFailureThreshold: number;
    circuitHalfOpenMs: number;
    /** AWS_PRICE_TABLE: micro-USD per request, merged over the published S3/KMS prices. */
    prices?: Record<string, Record<string, number>>;
    usageLogIntervalMs: number;
  };
  storage: {
    bucket: string;
    /** Absent in the `local` profile when the embedded S3-compatible endpoint should be used. */
    endpoint?: string;
    forcePathStyle: boolean;
    kmsKeyId?: string;
    uploadUrlTtlSeconds: number;
    downloadUrlTtlSeconds: number;
    requestTimeoutMs: number;
    maxDocumentBytes: number;
    /** S3_FAILOVER_REGION / S3_FAILOVER_ENDPOINT: the disaster-recovery target of S3 calls. */
    failover?: { region?: string; endpoint?: string };
    /** S3_FAILOVER_BUCKET: the replica bucket downloads fall back to (default: the same bucket name). */
    failoverBucket?: string;
    /** Declared sizes above this use a multipart upload. */
    multipartThresholdBytes: number;
    /** Preferred part size; raised when 10,000 parts would not hold the document. */
    multipartPartBytes: number;
    /** Pending multipart uploads are aborted this long after their part URLs expired. */
    multipartAbortAfterSeconds: number;
    /** S3_EVENTS_QUEUE_URL: the SQS queue of the bucket's event notifications; absent → no consumer. */
    eventsQueueUrl?: string;
    eventsWaitSeconds: number;
    /** How often expired multipart uploads are looked for, ms (0: never). */
    uploadSweepIntervalMs: number;
  };
  telemetry: {
    /** OTEL_SDK_DISABLED: no tracing and no metrics at all. */
    disabled: boolean;
    serviceName: string;
    otlpEndpoint?: string;
    otlpProtocol: 'http/protobuf' | 'http/json';
    tracesExporter: 'otlp' | 'none';
    sampler: Environment['OTEL_TRACES_SAMPLER'];
    samplerRatio: number;
    /** Where the `xray` sampler reads sampling rules and targets (the collector's awsproxy extension). */
    xraySamplingEndpoint: string;
    xraySamplingRulesIntervalS: number;
    metricsExporter: 'emf' | 'otlp' | 'none';
    metricsIntervalMs: number;
    debugLogSampleRate: number;
  };
  audit: {
    /** AUDIT_ACCESS_LOG: one audit event per request; security events are recorded either way. */
    accessLog: boolean;
    /** Rows older than this many days are purged behind a checkpoint; 0 keeps everything. */
    retentionDays: number;
    queueMax: number;
    flushIntervalMs: number;
    batchSize: number;
  };
  entra: {
    authorityHost: string;
    /** Absent in the `local` profile when the local dev issuer should be used. */
    tenantId?: string;
    clientId: string;
    audiences: string[];
    allowedTenants: string[];
    clockSkewSeconds: number;
    /** ENTRA_ACCEPT_V1_TOKENS: also accept v1.0 tokens (issuer https://sts.windows.net/{tid}/). */
    acceptV1Tokens: boolean;
    /** ENTRA_MAX_TOKEN_AGE_SECONDS: oldest accepted `iat`; also how long session revocations are kept. */
    maxTokenAgeSeconds: number;
    roleMap: Record<string, string[]>;
    scopeMap: Record<string, string[]>;
    /** AUTH_GROUP_MAP: group object id (`groups`) or directory role template id (`wids`) → permissions. */
    groupMap: Record<string, string[]>;
  };
}

/** Client id of the local dev issuer's app registration; only the `local` profile uses it. */
export const LOCAL_CLIENT_ID = '00000000-0000-4000-8000-00000000d0c5';
export const LOCAL_BUCKET = 'navius-local';
export const LOCAL_REGION = 'us-east-1';
/** Where the container image installs RDS's global CA bundle (Dockerfile). */
export const RDS_CA_BUNDLE = '/etc/ssl/certs/rds-global-bundle.pem';

const DEFAULT_ROLE_MAP: Record<string, Permission[]> = {
  'Documents.Read': ['Documents.Read'],
  'Documents.Write': ['Documents.Write'],
  'Audit.Read': ['Audit.Read'],
  'Sessions.Revoke': ['Sessions.Revoke'],
};
const DEFAULT_SCOPE_MAP: Record<string, Permission[]> = {
  'Documents.Read': ['Documents.Read'],
  'Documents.ReadWrite': ['Documents.Read', 'Documents.Write'],
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function awsProfileProblems(env: Environment): string[] {
  const problems: string[] = [];
  const hasDatabaseParts = env.DATABASE_HOST && env.DATABASE_USER && env.DATABASE_NAME;
  if (!env.DATABASE_URL && !hasDatabaseParts) {
    problems.push('DATABASE_URL or DATABASE_HOST, DATABASE_USER and DATABASE_NAME: required in the aws profile');
  }
  if (env.DATABASE_IAM_AUTH && !hasDatabaseParts) {
    problems.push('DATABASE_IAM_AUTH: needs DATABASE_HOST, DATABASE_USER and DATABASE_NAME');
  }
  problems.push(...dataStoreProblems(env));
  if (!env.S3_BUCKET) problems.push('S3_BUCKET: required in the aws profile');
  if (!env.AWS_REGION) problems.push('AWS_REGION: required in the aws profile (no default region)');
  if (!env.ENTRA_TENANT_ID) problems.push('ENTRA_TENANT_ID: required in the aws profile');
  if (!env.ENTRA_CLIENT_ID) problems.push('ENTRA_CLIENT_ID: required in the aws profile');
  if (!env.ENTRA_AUTHORITY_HOST.startsWith('https://')) {
    problems.push('ENTRA_AUTHORITY_HOST: must be https:// in the aws profile');
  }
  return problems;
}

/** One source of the database password at a time. */
function databasePasswordProblems(env: Environment): string[] {
  if (!env.DATABASE_PASSWORD_SECRET_ARN) return [];
  const problems: string[] = [];
  if (env.DATABASE_IAM_AUTH) problems.push('DATABASE_PASSWORD_SECRET_ARN: not with DATABASE_IAM_AUTH (choose one)');
  if (env.DATABASE_PASSWORD) problems.push('DATABASE_PASSWORD_SECRET_ARN: not with DATABASE_PASSWORD (choose one)');
  return problems;
}

function shutdownProblems(env: Environment): string[] {
  // Draining longer than the deadline would end every shutdown at the deadline, with exit code 1.
  return env.SHUTDOWN_DRAIN_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS
    ? ['SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS']
    : [];
}

/** The aws profile's data stores speak TLS only: RDS verified against its CA bundle, ElastiCache over rediss://. */
function dataStoreProblems(env: Environment): string[] {
  const problems: string[] = [];
  if (env.DATABASE_SSL_MODE && env.DATABASE_SSL_MODE !== 'verify-full') {
    problems.push('DATABASE_SSL_MODE: must be verify-full in the aws profile');
  }
  if (env.REDIS_URL && !env.REDIS_URL.startsWith('rediss://')) {
    problems.push('REDIS_URL: must be rediss:// (TLS) in the aws profile');
  }
  return problems;
}

function redisIamProblems(env: Environment): string[] {
  if (!env.REDIS_IAM_AUTH) return [];
  const problems: string[] = [];
  if (!env.REDIS_URL) problems.push('REDIS_IAM_AUTH: needs REDIS_URL');
  if (!env.REDIS_IAM_USER) problems.push('REDIS_IAM_USER: required with REDIS_IAM_AUTH (the ElastiCache user id)');
  if (!env.REDIS_IAM_CACHE_NAME) {
    problems.push('REDIS_IAM_CACHE_NAME: required with REDIS_IAM_AUTH (replication group id or serverless cache name)');
  }
  return problems;
}

function entraProblems(env: Environment): string[] {
  const multiTenant = env.ENTRA_TENANT_ID === 'organizations' || env.ENTRA_TENANT_ID === 'common';
  const problems: string[] = redisIamProblems(env);
  if (multiTenant && !env.ENTRA_ALLOWED_TENANTS?.length) {
    problems.push('ENTRA_ALLOWED_TENANTS: required when ENTRA_TENANT_ID is organizations or common');
  }
  if (env.ENTRA_TENANT_ID && !env.ENTRA_CLIENT_ID) {
    problems.push('ENTRA_CLIENT_ID: required when ENTRA_TENANT_ID is set');
  }
  return problems;
}

function toAppConfig(env: Environment): AppConfig {
  const clientId = env.ENTRA_CLIENT_ID ?? LOCAL_CLIENT_ID;
  // S3_ENDPOINT first, then the SDK's own service-specific and global endpoint variables.
  const s3Endpoint = env.S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    profile: env.APP_PROFILE,
    http: {
      host: env.HOST ?? (env.APP_PROFILE === 'aws' ? '0.0.0.0' : '127.0.0.1'),
      port: env.PORT,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    },
    logLevel: env.LOG_LEVEL,
    shutdown: { timeoutMs: env.SHUTDOWN_TIMEOUT_MS, drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS },
    localDataDir: env.LOCAL_DATA_DIR,
    database: {
      url: env.DATABASE_URL,
      host: env.DATABASE_HOST,
      port: env.DATABASE_PORT,
      user: env.DATABASE_USER,
      name: env.DATABASE_NAME,
      password: env.DATABASE_PASSWORD,
      iamAuth: env.DATABASE_IAM_AUTH,
      passwordSecret: env.DATABASE_PASSWORD_SECRET_ARN
        ? {
            secretId: env.DATABASE_PASSWORD_SECRET_ARN,
            refreshAfterSeconds: env.DATABASE_PASSWORD_SECRET_REFRESH_SECONDS,
          }
        : undefined,
      poolMax: env.DATABASE_POOL_MAX,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: env.DATABASE_IDLE_TIMEOUT_MS,
      sslMode: env.DATABASE_SSL_MODE ?? (env.APP_PROFILE === 'aws' ? 'verify-full' : undefined),
      sslCaFile: env.DATABASE_SSL_CA_FILE ?? (env.APP_PROFILE === 'aws' ? RDS_CA_BUNDLE : undefined),
      readerHost: env.DATABASE_READER_HOST,
      maxNewConnectionsPerSecond: env.DATABASE_MAX_NEW_CONNECTIONS_PER_SECOND,
      slowQueryMs: env.DATABASE_SLOW_QUERY_MS,
    },
    cache: {
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      ttlSeconds: env.CACHE_TTL_SECONDS,
      localMaxEntries: env.CACHE_LOCAL_MAX_ENTRIES,
      localTtlMs: env.CACHE_LOCAL_TTL_MS,
      staleSeconds: env.CACHE_STALE_SECONDS,
      cluster: env.REDIS_CLUSTER,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      iam:
        env.REDIS_IAM_AUTH && env.REDIS_IAM_USER && env.REDIS_IAM_CACHE_NAME
          ? { userId: env.REDIS_IAM_USER, cacheName: env.REDIS_IAM_CACHE_NAME, serverless: env.REDIS_IAM_SERVERLESS }
          : undefined,
    },
    rateLimit: {
      limit: env.RATE_LIMIT_LIMIT ?? (env.APP_PROFILE === 'aws' ? 1_200 : 0),
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
    },
    aws: {
      region: env.AWS_REGION ?? LOCAL_REGION,
      profile: env.AWS_PROFILE,
      assumeRole: env.AWS_ROLE_ARN
        ? {
            roleArn: env.AWS_ROLE_ARN,
            sessionName: env.AWS_ROLE_SESSION_NAME,
            externalId: env.AWS_ROLE_EXTERNAL_ID,
            durationSeconds: env.AWS_ROLE_DURATION_SECONDS,
          }
        : undefined,
      credentialsRefreshSeconds: env.AWS_CREDENTIALS_REFRESH_SECONDS,
      retryMode: env.AWS_RETRY_MODE,
      maxAttempts: env.AWS_MAX_ATTEMPTS,
      connectTimeoutMs: env.AWS_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: env.AWS_REQUEST_TIMEOUT_MS,
      useFipsEndpoint: env.AWS_USE_FIPS_ENDPOINT,
      useDualstackEndpoint: env.AWS_USE_DUALSTACK_ENDPOINT,
      endpoints: {
        sts: env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL,
        kms: env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL,
        sqs: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL,
        secretsmanager: env.AWS_ENDPOINT_URL_SECRETSMANAGER ?? env.AWS_ENDPOINT_URL,
      },
      circuitFailureThreshold: env.AWS_CIRCUIT_FAILURE_THRESHOLD,
      circuitHalfOpenMs: env.AWS_CIRCUIT_HALF_OPEN_MS,
      prices: env.AWS_PRICE_TABLE,
      usageLogIntervalMs: env.AWS_USAGE_LOG_INTERVAL_MS,
    },
    storage: {
      bucket: env.S3_BUCKET ?? LOCAL_BUCKET,
      endpoint: s3Endpoint,
      forcePathStyle: env.S3_FORCE_PATH_STYLE ?? s3Endpoint !== undefined,
      kmsKeyId: env.S3_KMS_KEY_ID,
      uploadUrlTtlSeconds: env.S3_UPLOAD_URL_TTL_SECONDS,
      downloadUrlTtlSeconds: env.S3_DOWNLOAD_URL_TTL_SECONDS,
      requestTimeoutMs: env.S3_REQUEST_TIMEOUT_MS,
      maxDocumentBytes: env.DOCUMENT_MAX_BYTES,
      failover:
        env.S3_FAILOVER_REGION || env.S3_FAILOVER_ENDPOINT
          ? { region: env.S3_FAILOVER_REGION, endpoint: env.S3_FAILOVER_ENDPOINT }
          : undefined,
      failoverBucket: env.S3_FAILOVER_BUCKET,
      multipartThresholdBytes: env.S3_MULTIPART_THRESHOLD_BYTES,
      multipartPartBytes: env.S3_MULTIPART_PART_BYTES,
      multipartAbortAfterSeconds: env.S3_MULTIPART_ABORT_AFTER_SECONDS,
      eventsQueueUrl: env.S3_EVENTS_QUEUE_URL,
      eventsWaitSeconds: env.S3_EVENTS_WAIT_SECONDS,
      uploadSweepIntervalMs: env.DOCUMENT_UPLOAD_SWEEP_INTERVAL_MS,
    },
    telemetry: {
      disabled: env.OTEL_SDK_DISABLED,
      serviceName: env.OTEL_SERVICE_NAME,
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      otlpProtocol: env.OTEL_EXPORTER_OTLP_PROTOCOL,
      // Locally, traces go nowhere unless a collector is named; on AWS the ADOT sidecar listens on localhost.
      tracesExporter:
        env.OTEL_TRACES_EXPORTER ?? (env.APP_PROFILE === 'aws' || env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none'),
      sampler: env.OTEL_TRACES_SAMPLER,
      samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
      xraySamplingEndpoint: env.XRAY_SAMPLING_ENDPOINT,
      xraySamplingRulesIntervalS: env.XRAY_SAMPLING_RULES_INTERVAL_S,
      metricsExporter: env.METRICS_EXPORTER ?? (env.APP_PROFILE === 'aws' ? 'emf' : 'none'),
      metricsIntervalMs: env.METRICS_EXPORT_INTERVAL_MS,
      debugLogSampleRate: env.LOG_DEBUG_SAMPLE_RATE,
    },
    audit: {
      accessLog: env.AUDIT_ACCESS_LOG,
      retentionDays: env.AUDIT_RETENTION_DAYS,
      queueMax: env.AUDIT_QUEUE_MAX,
      flushIntervalMs: env.AUDIT_FLUSH_INTERVAL_MS,
      batchSize: env.AUDIT_BATCH_SIZE,
    },
    entra: {
      authorityHost: env.ENTRA_AUTHORITY_HOST.replace(/\/+$/, ''),
      tenantId: env.ENTRA_TENANT_ID,
      clientId,
      audiences: env.ENTRA_AUDIENCE?.length ? env.ENTRA_AUDIENCE : [clientId, `api://${clientId}`],
      allowedTenants: env.ENTRA_ALLOWED_TENANTS ?? [],
      clockSkewSeconds: env.ENTRA_CLOCK_SKEW_SECONDS,
      acceptV1Tokens: env.ENTRA_ACCEPT_V1_TOKENS,
      maxTokenAgeSeconds: env.ENTRA_MAX_TOKEN_AGE_SECONDS,
      roleMap: { ...DEFAULT_ROLE_MAP, ...env.AUTH_ROLE_MAP },
      scopeMap: { ...DEFAULT_SCOPE_MAP, ...env.AUTH_SCOPE_MAP },
      groupMap: env.AUTH_GROUP_MAP ?? {},
    },
  };
}

/** Parses the environment once; every problem is reported together in one ConfigError. */
export function parseConfig(source: Record<string, string | undefined>): AppConfig {
  const blankAsUnset = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  const problems = [
    ...(env.APP_PROFILE === 'aws' ? awsProfileProblems(env) : []),
    ...entraProblems(env),
    ...shutdownProblems(env),
    ...databasePasswordProblems(env),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return toAppConfig(env);
}

/** The only reader of process.env in the service. */
export function loadConfig(): AppConfig {
  return parseConfig(process.env);
}

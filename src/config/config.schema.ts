import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

const permissionMap = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: {"<role or scope>": ["<permission>", ...]}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), z.array(z.string().min(1))));

/** The raw environment, every name of ARCHITECTURE.md and the README's configuration table. */
export const environmentSchema = z.object({
  APP_PROFILE: z.enum(['local', 'aws']).default('local'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024).default(64 * 1024),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  SHUTDOWN_DRAIN_DELAY_MS: int(0, 600_000).default(0),
  LOCAL_DATA_DIR: z.string().min(1).default('.local'),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_HOST: z.string().min(1).optional(),
  DATABASE_PORT: int(1, 65535).default(5432),
  DATABASE_USER: z.string().min(1).optional(),
  DATABASE_NAME: z.string().min(1).optional(),
  DATABASE_PASSWORD: z.string().min(1).optional(),
  DATABASE_IAM_AUTH: bool.default(false),
  DATABASE_PASSWORD_SECRET_ARN: z.string().min(1).optional(),
  DATABASE_PASSWORD_SECRET_REFRESH_SECONDS: int(60, 86_400).default(900),
  DATABASE_POOL_MAX: int(1, 1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 600_000).default(3_000),
  DATABASE_IDLE_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  DATABASE_SSL_MODE: z.enum(['disable', 'require', 'verify-full']).optional(),
  DATABASE_SSL_CA_FILE: z.string().min(1).optional(),
  DATABASE_READER_HOST: z.string().min(1).optional(),
  DATABASE_MAX_NEW_CONNECTIONS_PER_SECOND: int(1, 10_000).default(100),
  DATABASE_SLOW_QUERY_MS: int(0, 600_000).default(500),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z.string().default('navius:'),
  CACHE_TTL_SECONDS: int(1, 86_400).default(300),
  CACHE_LOCAL_MAX_ENTRIES: int(0, 1_000_000).default(10_000),
  CACHE_LOCAL_TTL_MS: int(0, 3_600_000).default(1_000),
  CACHE_STALE_SECONDS: int(0, 86_400).default(0),
  REDIS_CLUSTER: bool.optional(),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000).default(250),
  REDIS_IAM_AUTH: bool.default(false),
  REDIS_IAM_USER: z.string().min(1).optional(),
  REDIS_IAM_CACHE_NAME: z.string().min(1).optional(),
  REDIS_IAM_SERVERLESS: bool.default(false),
  RATE_LIMIT_LIMIT: int(0, 1_000_000).optional(),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),

  AWS_REGION: z.string().min(1).optional(),
  AWS_PROFILE: z.string().min(1).optional(),
  AWS_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  AWS_ROLE_SESSION_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 of [A-Za-z0-9+=,.@_-]')
    .default('navius'),
  AWS_ROLE_EXTERNAL_ID: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 of [A-Za-z0-9+=,.@:/_-]')
    .optional(),
  AWS_ROLE_DURATION_SECONDS: int(900, 43_200).default(3_600),
  AWS_CREDENTIALS_REFRESH_SECONDS: int(0, 3_600).default(300),
  AWS_RETRY_MODE: z.enum(['standard', 'adaptive']).default('standard'),
  AWS_MAX_ATTEMPTS: int(1, 10).default(3),
  AWS_CONNECT_TIMEOUT_MS: int(100, 600_000).default(3_000),
  AWS_REQUEST_TIMEOUT_MS: int(100, 600_000).default(5_000),
  AWS_USE_FIPS_ENDPOINT: bool.default(false),
  AWS_USE_DUALSTACK_ENDPOINT: bool.default(false),
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL_S3: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL_STS: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL_KMS: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL_SQS: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL_SECRETSMANAGER: z.url({ protocol: /^https?$/ }).optional(),
  AWS_CIRCUIT_FAILURE_THRESHOLD: int(1, 1_000).default(5),
  AWS_CIRCUIT_HALF_OPEN_MS: int(100, 3_600_000).default(10_000),
  AWS_PRICE_TABLE: z
    .string()
    .transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: {"<service>": {"<Operation> or *": <micro-USD>}}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().min(1), z.record(z.string().min(1), z.number().min(0))))
    .optional(),
  AWS_USAGE_LOG_INTERVAL_MS: int(0, 86_400_000).default(60_000),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  S3_KMS_KEY_ID: z.string().min(1).optional(),
  S3_UPLOAD_URL_TTL_SECONDS: int(1, 604_800).default(900),
  S3_DOWNLOAD_URL_TTL_SECONDS: int(1, 604_800).default(300),
  S3_REQUEST_TIMEOUT_MS: int(100, 600_000).default(5_000),
  S3_FAILOVER_REGION: z.string().min(1).optional(),
  S3_FAILOVER_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_FAILOVER_BUCKET: z.string().min(3).max(63).optional(),
  S3_MULTIPART_THRESHOLD_BYTES: int(5 * 1024 ** 2, 5 * 1024 ** 3).default(100 * 1024 ** 2),
  S3_MULTIPART_PART_BYTES: int(5 * 1024 ** 2, 5 * 1024 ** 3).default(16 * 1024 ** 2),
  S3_MULTIPART_ABORT_AFTER_SECONDS: int(0, 30 * 86_400).default(3_600),
  S3_EVENTS_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  S3_EVENTS_WAIT_SECONDS: int(1, 20).default(20),
  DOCUMENT_UPLOAD_SWEEP_INTERVAL_MS: int(0, 86_400_000).default(60_000),
  DOCUMENT_MAX_BYTES: int(1, 5 * 1024 ** 4).default(5 * 1024 ** 3),

  ENTRA_AUTHORITY_HOST: z.url({ protocol: /^https?$/ }).default('https://login.microsoftonline.com'),
  ENTRA_TENANT_ID: z
    .string()
    .refine((v) => GUID.test(v) || v === 'organizations' || v === 'common', {
      message: 'must be a tenant GUID, "organizations" or "common"',
    })
    .optional(),
  ENTRA_CLIENT_ID: z.string().regex(GUID, 'must be a GUID').optional(),
  ENTRA_AUDIENCE: csv.optional(),
  ENTRA_ALLOWED_TENANTS: csv.pipe(z.array(z.string().regex(GUID, 'each must be a tenant GUID'))).optional(),
  ENTRA_CLOCK_SKEW_SECONDS: int(0, 3600).default(300),
  ENTRA_ACCEPT_V1_TOKENS: bool.default(false),
  ENTRA_MAX_TOKEN_AGE_SECONDS: int(300, 7 * 86_400).default(28 * 3_600),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_SERVICE_NAME: z.string().min(1).default('navius'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
      // X-Ray centralized sampling: the rules and quotas set in X-Ray, through the ADOT collector's awsproxy.
      'xray',
    ])
    .default('parentbased_traceidratio'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(0.05),
  XRAY_SAMPLING_ENDPOINT: z.url({ protocol: /^https?$/ }).default('http://localhost:2000'),
  XRAY_SAMPLING_RULES_INTERVAL_S: int(10, 86_400).default(300),
  METRICS_EXPORTER: z.enum(['emf', 'otlp', 'none']).optional(),
  METRICS_EXPORT_INTERVAL_MS: int(1_000, 3_600_000).default(60_000),
  LOG_DEBUG_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
  AUTH_ROLE_MAP: permissionMap.optional(),
  AUTH_SCOPE_MAP: permissionMap.optional(),
  AUTH_GROUP_MAP: permissionMap
    .pipe(z.record(z.string().regex(GUID, 'keys must be group or directory role GUIDs'), z.array(z.string().min(1))))
    .optional(),

  AUDIT_ACCESS_LOG: bool.default(true),
  AUDIT_RETENTION_DAYS: int(0, 36_500).default(365),
  AUDIT_QUEUE_MAX: int(1, 1_000_000).default(10_000),
  AUDIT_FLUSH_INTERVAL_MS: int(10, 3_600_000).default(1_000),
  AUDIT_BATCH_SIZE: int(1, 10_000).default(1_000),
});

export type Environment = z.infer<typeof environmentSchema>;
export { GUID };

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
  DATABASE_POOL_MAX: int(1, 1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 600_000).default(3_000),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z.string().default('navius:'),
  CACHE_TTL_SECONDS: int(1, 86_400).default(300),
  CACHE_LOCAL_MAX_ENTRIES: int(0, 1_000_000).default(10_000),
  CACHE_LOCAL_TTL_MS: int(0, 3_600_000).default(1_000),

  AWS_REGION: z.string().min(1).optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  S3_KMS_KEY_ID: z.string().min(1).optional(),
  S3_UPLOAD_URL_TTL_SECONDS: int(1, 604_800).default(900),
  S3_DOWNLOAD_URL_TTL_SECONDS: int(1, 604_800).default(300),
  S3_REQUEST_TIMEOUT_MS: int(100, 600_000).default(5_000),
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
  AUTH_ROLE_MAP: permissionMap.optional(),
  AUTH_SCOPE_MAP: permissionMap.optional(),
});

export type Environment = z.infer<typeof environmentSchema>;
export { GUID };

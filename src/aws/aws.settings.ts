import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, type LocalConfigOptions } from '@smithy/core/config';
import type { AwsModuleOptions } from './aws.module-definition';
import { DEFAULT_PRICES, mergePriceTables, type AwsPriceTable } from './aws.pricing';

/** Injection token of the resolved settings (region known). */
export const AWS_SETTINGS = Symbol('AWS_SETTINGS');

/** The module options with every default applied and the region resolved. */
export interface AwsSettings extends Required<
  Pick<
    AwsModuleOptions,
    | 'endpoints'
    | 'useFipsEndpoint'
    | 'useDualstackEndpoint'
    | 'retryMode'
    | 'maxAttempts'
    | 'connectionTimeoutMs'
    | 'requestTimeoutMs'
    | 'failover'
    | 'identityProbe'
    | 'identityProbeCacheMs'
    | 'usageLogIntervalMs'
  >
> {
  region: string;
  credentials: NonNullable<AwsModuleOptions['credentials']>;
  s3ForcePathStyle: boolean;
  circuitBreaker: { failureThreshold: number; halfOpenAfterMs: number };
  prices: AwsPriceTable;
}

/** A setting the service cannot run without is missing or wrong; start-up stops with this message. */
export class AwsConfigurationError extends Error {
  override readonly name = 'AwsConfigurationError';
}

/**
 * The region: the explicit option, else what the SDK's own chain finds (`AWS_REGION`, then the `region` of the
 * profile in the shared config file). No hidden default: nothing found is a start-up error.
 */
export async function resolveAwsRegion(
  explicit: string | undefined,
  profile?: string,
  files: Pick<LocalConfigOptions, 'filepath' | 'configFilepath'> = {},
): Promise<string> {
  if (explicit) return explicit;
  const fromChain = await loadConfig<string | undefined>(
    {
      environmentVariableSelector: (env) => env.AWS_REGION || undefined,
      configFileSelector: (section) => section.region || undefined,
      default: () => undefined,
    },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile, ignoreCache: true, ...files },
  )();
  if (fromChain) return fromChain;
  throw new AwsConfigurationError(
    `No AWS region: set AWS_REGION, or a region in profile "${profile ?? 'default'}" of the AWS config file`,
  );
}

/** Applies defaults; the region must already be known (see resolveAwsRegion). */
export function awsSettings(options: AwsModuleOptions & { region: string }): AwsSettings {
  const endpoints = options.endpoints ?? {};
  return {
    region: options.region,
    credentials: options.credentials ?? {},
    endpoints,
    s3ForcePathStyle: options.s3ForcePathStyle ?? endpoints.s3 !== undefined,
    useFipsEndpoint: options.useFipsEndpoint ?? false,
    useDualstackEndpoint: options.useDualstackEndpoint ?? false,
    retryMode: options.retryMode ?? 'standard',
    maxAttempts: options.maxAttempts ?? 3,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    circuitBreaker: {
      failureThreshold: options.circuitBreaker?.failureThreshold ?? 5,
      halfOpenAfterMs: options.circuitBreaker?.halfOpenAfterMs ?? 10_000,
    },
    failover: options.failover ?? {},
    prices: mergePriceTables(DEFAULT_PRICES, options.prices ?? {}),
    identityProbe: options.identityProbe ?? false,
    identityProbeCacheMs: options.identityProbeCacheMs ?? 30_000,
    usageLogIntervalMs: options.usageLogIntervalMs ?? 60_000,
  };
}

/** Resolves the region (which may read the shared config file), then applies defaults. */
export async function resolveAwsSettings(options: AwsModuleOptions): Promise<AwsSettings> {
  const region = await resolveAwsRegion(options.region, options.credentials?.profile);
  return awsSettings({ ...options, region });
}

import type { AwsCredentialIdentityProvider, MiddlewareStack, NodeHttpHandlerOptions } from '@smithy/types';
import { AwsCircuitBreakers } from './aws.circuit-breaker';
import { AwsCredentialsService } from './aws.credentials';
import { AwsCallMetrics } from './aws.metrics';
import type { AwsModuleOptions, AwsService } from './aws.module-definition';
import { awsSettings, type AwsSettings } from './aws.settings';
import { AwsTenantUsage } from './aws.usage';

/** What every SDK client built here shares; a client's own settings come in `extra`. */
export interface AwsCommonClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  endpoint?: string;
  forcePathStyle?: boolean;
  useFipsEndpoint?: boolean;
  useDualstackEndpoint?: boolean;
  retryMode: 'standard' | 'adaptive';
  maxAttempts: number;
  requestHandler: NodeHttpHandlerOptions;
}

/** An SDK v3 client class (S3Client, STSClient, KMSClient...): the factory adds its middleware to the stack. */
export type AwsSdkClientClass<C, Config, Input extends object, Output extends object> = new (
  config: Config,
) => C & { middlewareStack: MiddlewareStack<Input, Output> };

export interface AwsClientOptions {
  /** The service: picks its endpoint override, circuit breaker and metric label. */
  service: AwsService;
  /** Region of this client. Default: the module's region. */
  region?: string;
  /** Endpoint of this client. Default: the module's endpoint for the service, else AWS's. */
  endpoint?: string;
  /** Path-style addressing (S3). Default: the module's `s3ForcePathStyle`. */
  forcePathStyle?: boolean;
  /** Credentials of this client. Default: the shared credentials. */
  credentials?: AwsCredentialsService;
  /** Connection timeout of this client, ms. Default: the module's. */
  connectionTimeoutMs?: number;
  /** Per-attempt request timeout of this client, ms. Default: the module's. */
  requestTimeoutMs?: number;
}

/**
 * Builds every AWS SDK client of the service the same way: shared credentials, region, endpoint override,
 * FIPS/dual-stack, retry mode and attempts, connection and request timeouts, a circuit breaker per service and
 * per-call metrics.
 */
export class AwsClientFactory {
  readonly usage: AwsTenantUsage;
  readonly metrics: AwsCallMetrics;
  readonly breakers: AwsCircuitBreakers;
  /** The credentials every client shares unless it is given its own. */
  readonly credentials: AwsCredentialsService;

  constructor(readonly settings: AwsSettings) {
    this.usage = new AwsTenantUsage();
    this.metrics = new AwsCallMetrics(settings.prices, this.usage);
    this.breakers = new AwsCircuitBreakers(settings.circuitBreaker);
    this.credentials = AwsCredentialsService.create(settings.credentials, () => ({
      clientConfig: this.commonConfig({ service: 'sts' }, 'sts'),
      clientPlugins: [this.metrics.plugin('sts'), this.breakers.plugin('sts')],
    }));
  }

  /** A factory of its own, for a room used without AwsModule (its region must be given). */
  static standalone(options: AwsModuleOptions & { region: string }): AwsClientFactory {
    return new AwsClientFactory(awsSettings(options));
  }

  /** A new client of `ClientClass` (e.g. S3Client) for `options.service`; `extra` adds client-specific settings. */
  create<C, Config extends object, Input extends object, Output extends object>(
    ClientClass: AwsSdkClientClass<C, Config, Input, Output>,
    options: AwsClientOptions,
    extra: Partial<Config> = {},
  ): C {
    return this.build(ClientClass, options, options.service, extra);
  }

  /** True when a failover region or endpoint is configured for `service`. */
  hasFailover(service: AwsService): boolean {
    return this.settings.failover[service] !== undefined;
  }

  /**
   * A client for the failover region/endpoint of `options.service` (undefined when none is configured). It has
   * its own circuit breaker and metric label (`<service>:failover`), so a primary outage does not block it.
   */
  createFailover<C, Config extends object, Input extends object, Output extends object>(
    ClientClass: AwsSdkClientClass<C, Config, Input, Output>,
    options: AwsClientOptions,
    extra: Partial<Config> = {},
  ): C | undefined {
    const target = this.settings.failover[options.service];
    if (!target) return undefined;
    const failover = { ...options, region: target.region ?? options.region, endpoint: target.endpoint };
    return this.build(ClientClass, failover, `${options.service}:failover`, extra);
  }

  private build<C, Config extends object, Input extends object, Output extends object>(
    ClientClass: AwsSdkClientClass<C, Config, Input, Output>,
    options: AwsClientOptions,
    key: string,
    extra: Partial<Config>,
  ): C {
    const credentials = (options.credentials ?? this.credentials).provider;
    const common: AwsCommonClientConfig = { ...this.commonConfig(options, key), credentials };
    // Config is the client's own config type, a superset of the common settings: the SDK validates the rest.
    const client = new ClientClass({ ...common, ...extra } as Config);
    client.middlewareStack.use(this.metrics.plugin<Input, Output>(key));
    client.middlewareStack.use(this.breakers.plugin<Input, Output>(key));
    return client;
  }

  private commonConfig(options: AwsClientOptions, key: string): Omit<AwsCommonClientConfig, 'credentials'> {
    const settings = this.settings;
    const endpoint = options.endpoint ?? (key === options.service ? settings.endpoints[options.service] : undefined);
    const requestTimeout = options.requestTimeoutMs ?? settings.requestTimeoutMs;
    return {
      region: options.region ?? settings.region,
      endpoint,
      ...(options.service === 's3' ? { forcePathStyle: options.forcePathStyle ?? settings.s3ForcePathStyle } : {}),
      // An explicit endpoint is the address to use: the SDK refuses FIPS or dual-stack on top of one.
      ...(endpoint === undefined
        ? { useFipsEndpoint: settings.useFipsEndpoint, useDualstackEndpoint: settings.useDualstackEndpoint }
        : {}),
      retryMode: settings.retryMode,
      maxAttempts: settings.maxAttempts,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? settings.connectionTimeoutMs,
        requestTimeout,
        throwOnRequestTimeout: true,
        socketTimeout: requestTimeout,
      },
    };
  }
}

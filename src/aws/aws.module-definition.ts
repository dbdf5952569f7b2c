import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AwsPriceTable } from './aws.pricing';

/** The AWS services the rooms talk to; each gets its own endpoint override, breaker and metric label. */
export type AwsService =
  's3' | 'sts' | 'kms' | 'sqs' | 'secretsmanager' | 'rds' | 'elasticache' | 'cloudwatch' | 'logs' | 'xray';

/** Static credentials: the embedded endpoint and tests only, never real keys in configuration. */
export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When the credentials stop working; presigned URLs never outlive it. */
  expiration?: Date;
}

/** Cross-account access: the base credentials assume this role through STS. */
export interface AwsAssumeRoleOptions {
  /** ARN of the role to assume (required). */
  roleArn: string;
  /** Session name recorded in CloudTrail. Default `navius`. */
  sessionName?: string;
  /** External id the role's trust policy demands. Default: none. */
  externalId?: string;
  /** Lifetime of each role session, seconds (900–43200). Default 3600. */
  durationSeconds?: number;
}

export interface AwsCredentialsOptions {
  /** Static keys. Default: absent, so the SDK's default chain (env, SSO/profile, ECS, IMDS, web identity) is used. */
  static?: AwsStaticCredentials;
  /** Named profile of ~/.aws/config and ~/.aws/credentials instead of the default chain. Default: none. */
  profile?: string;
  /** Assume this role with the credentials above. Default: none. */
  assumeRole?: AwsAssumeRoleOptions;
  /** Refresh expiring credentials this long before they expire, seconds. Default 300. */
  refreshBeforeExpirySeconds?: number;
}

/** A second place to send a service's calls when its primary is down (disaster recovery). */
export interface AwsFailoverTarget {
  /** Region of the failover. Default: the primary region. */
  region?: string;
  /** Endpoint URL of the failover. Default: the region's standard endpoint. */
  endpoint?: string;
}

export interface AwsCircuitBreakerOptions {
  /** Consecutive outage failures (5xx, timeouts, connection errors) that open a service's circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit fails fast before one trial call, ms. Default 10000. */
  halfOpenAfterMs?: number;
}

export interface AwsModuleOptions {
  /** Region of every client; absent → `AWS_REGION`, then the profile's `region` (SDK chain), else start-up fails. */
  region?: string;
  /** Where credentials come from. Default: the SDK's default chain. */
  credentials?: AwsCredentialsOptions;
  /** Per-service endpoint URL (S3-compatible server, VPC endpoint). Default: the AWS endpoint of the region. */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Path-style S3 addressing (`<endpoint>/<bucket>`). Default: true when an S3 endpoint override is set. */
  s3ForcePathStyle?: boolean;
  /** FIPS 140 endpoints (ignored for a service whose endpoint is overridden). Default false. */
  useFipsEndpoint?: boolean;
  /** Dual-stack IPv4/IPv6 endpoints (ignored for a service whose endpoint is overridden). Default false. */
  useDualstackEndpoint?: boolean;
  /** SDK retry mode: `standard` or `adaptive` (client-side rate limiting). Default `standard`. */
  retryMode?: 'standard' | 'adaptive';
  /** Attempts per call, the first included. Default 3. */
  maxAttempts?: number;
  /** Time to open a TCP/TLS connection, ms. Default 3000. */
  connectionTimeoutMs?: number;
  /** Time for one attempt to get its response, ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Per-service circuit breaker. Default: 5 failures open it, a trial after 10 s. */
  circuitBreaker?: AwsCircuitBreakerOptions;
  /** Per-service failover region/endpoint, built by `AwsClientFactory.createFailover`. Default: none. */
  failover?: Partial<Record<AwsService, AwsFailoverTarget>>;
  /** Estimated price per request, micro-USD, merged over the published S3/KMS list prices (STS free). */
  prices?: AwsPriceTable;
  /** Readiness calls STS GetCallerIdentity (aws profile). Default false. */
  identityProbe?: boolean;
  /** How long a successful identity probe is trusted, ms. Default 30000. */
  identityProbeCacheMs?: number;
  /** Interval of the per-tenant usage log lines, ms (0: only at shutdown). Default 60000. */
  usageLogIntervalMs?: number;
}

export const { ConfigurableModuleClass: AwsConfigurableModule, MODULE_OPTIONS_TOKEN: AWS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<AwsModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { createIsIdentityExpiredFunction, doesIdentityRequireRefresh, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Pluggable } from '@smithy/types';
import type { AwsCredentialsOptions, AwsStaticCredentials } from './aws.module-definition';

/** What assume-role needs to build its STS client like every other client (endpoint, timeouts, metrics). */
export interface AwsStsSetup {
  clientConfig: NonNullable<Parameters<typeof fromTemporaryCredentials>[0]['clientConfig']>;
  clientPlugins: Pluggable<object, object>[];
}

/** A provider the SDK clients use as is: marking it memoized stops each client from caching it again. */
type SharedProvider = AwsCredentialIdentityProvider & { memoized?: boolean };

const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 300;
const DEFAULT_ROLE_SESSION_NAME = 'navius';
const DEFAULT_ROLE_DURATION_SECONDS = 3_600;

/**
 * The service's AWS credentials, resolved once and shared by every client: one memoized provider, refreshed
 * `refreshBeforeExpirySeconds` before expiry (one STS call however many clients and concurrent requests ask).
 */
export class AwsCredentialsService {
  /** Pass as `credentials` to an SDK client. */
  readonly provider: SharedProvider;

  private constructor(
    base: AwsCredentialIdentityProvider,
    /** Where the credentials come from, for logs and readiness details (never the keys). */
    readonly source: string,
    refreshBeforeExpirySeconds: number,
  ) {
    const isExpiring = createIsIdentityExpiredFunction(refreshBeforeExpirySeconds * 1000);
    // The caller's client config is dropped on purpose: the shared identity must not depend on which client asked first.
    const memoized = memoizeIdentityProvider(
      (options?: { forceRefresh?: boolean }) => base({ forceRefresh: options?.forceRefresh }),
      isExpiring,
      doesIdentityRequireRefresh,
    );
    if (!memoized) throw new Error('no credentials provider');
    this.provider = Object.assign(memoized, { memoized: true });
  }

  /** Credentials from the options: static, a named profile or the default chain, then the assumed role if any. */
  static create(options: AwsCredentialsOptions, stsSetup: () => AwsStsSetup): AwsCredentialsService {
    const base = AwsCredentialsService.baseProvider(options);
    const refresh = options.refreshBeforeExpirySeconds ?? DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS;
    const role = options.assumeRole;
    if (!role) return new AwsCredentialsService(base.provider, base.source, refresh);
    const sts = stsSetup();
    const assumed = fromTemporaryCredentials({
      masterCredentials: base.provider,
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? DEFAULT_ROLE_SESSION_NAME,
        ExternalId: role.externalId,
        DurationSeconds: role.durationSeconds ?? DEFAULT_ROLE_DURATION_SECONDS,
      },
      clientConfig: sts.clientConfig,
      clientPlugins: sts.clientPlugins,
    });
    return new AwsCredentialsService(assumed, `${base.source} → assume-role ${role.roleArn}`, refresh);
  }

  /** Fixed credentials (the embedded endpoint, tests). */
  static fromStatic(credentials: AwsStaticCredentials): AwsCredentialsService {
    const identity: AwsCredentialIdentity = { ...credentials };
    return new AwsCredentialsService(async () => identity, 'static', DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS);
  }

  private static baseProvider(options: AwsCredentialsOptions): {
    provider: AwsCredentialIdentityProvider;
    source: string;
  } {
    const fixed = options.static;
    if (fixed) return { provider: async () => ({ ...fixed }), source: 'static' };
    if (options.profile)
      return { provider: fromIni({ profile: options.profile }), source: `profile ${options.profile}` };
    return { provider: fromNodeProviderChain(), source: 'default chain' };
  }

  /** The current credentials (refreshed first when they are about to expire). */
  identity(): Promise<AwsCredentialIdentity> {
    return this.provider();
  }

  /** When the current credentials expire; undefined for credentials that do not (static keys, instance roles never). */
  async expiration(): Promise<Date | undefined> {
    return (await this.identity()).expiration;
  }
}

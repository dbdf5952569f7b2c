import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface CacheIamAuthOptions {
  /** ElastiCache user id (its user name must equal it), sent as the AUTH user name. */
  userId: string;
  /** Replication group id or serverless cache name: the host the SigV4 token is signed for. */
  cacheName: string;
  /** A serverless cache (adds `ResourceType=ServerlessCache` to the token). Default false. */
  serverless?: boolean;
  /** Region of the cache. Default: the AwsModule's region. */
  region?: string;
  /** Produces one token; default: SigV4 with the AwsModule's shared credentials. */
  signer?: () => Promise<string>;
  /** A new token is signed and every live connection re-authenticated this often, seconds (tokens live 900 s). Default 600. */
  refreshAfterSeconds?: number;
}

export interface CacheModuleOptions {
  /** redis:// or rediss:// URL (user and password, if any, are the AUTH token); absent → the in-process tier alone. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel. Default `navius:`. */
  keyPrefix?: string;
  /** TTL of shared (Redis) entries, seconds; jittered by ±10 %. Default 300. */
  ttlSeconds?: number;
  /** After the TTL, an entry is served stale this long while one caller reloads it, seconds (0: off). Default 0. */
  staleSeconds?: number;
  /** Entries kept in the in-process tier (0 disables it). Default 10000. */
  localMaxEntries?: number;
  /** TTL of in-process entries, ms: the longest a missed invalidation can last. Default 1000. */
  localTtlMs?: number;
  /** Per-command timeout for Redis, ms; a slow Redis falls back to the loader. Default 250. */
  commandTimeoutMs?: number;
  /** Cluster mode (`Redis.Cluster`). Default: true when the URL's host is an ElastiCache configuration endpoint (`clustercfg.`). */
  cluster?: boolean;
  /** ElastiCache IAM authentication instead of an AUTH token. Default: off. */
  iamAuth?: CacheIamAuthOptions;
  /** Consecutive Redis failures that make cache calls skip Redis (fail fast to the loader). Default 5. */
  circuitFailureThreshold?: number;
  /** How long the open circuit skips Redis before one trial call, ms. Default 5000. */
  circuitHalfOpenMs?: number;
  /** How often Redis INFO is read for the memory and eviction metrics, ms (0: never). Default 30000. */
  infoIntervalMs?: number;
}

export const { ConfigurableModuleClass: CacheConfigurableModule, MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<CacheModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

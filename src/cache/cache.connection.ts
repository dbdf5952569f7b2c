import { Logger } from '@nestjs/common';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { CacheModuleOptions } from './cache.module-definition';

/** A standalone or cluster-mode client: the cache uses only commands both support. */
export type RedisClient = Redis | Cluster;

interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
  db: number;
}

/** The parts of a redis:// or rediss:// URL; rediss:// turns TLS on (certificates checked against Node's CAs). */
export function parseRedisUrl(url: string): RedisEndpoint {
  const parsed = new URL(url);
  const decode = (value: string) => (value === '' ? undefined : decodeURIComponent(value));
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: decode(parsed.username),
    password: decode(parsed.password),
    tls: parsed.protocol === 'rediss:',
    db: Number(parsed.pathname.replace(/^\//, '') || 0),
  };
}

/** Cluster mode as configured, else when the host is an ElastiCache configuration endpoint. */
export function isClusterMode(options: Pick<CacheModuleOptions, 'cluster'>, host: string): boolean {
  return options.cluster ?? /^clustercfg\./i.test(host);
}

/**
 * After a failover the old primary answers writes with READONLY: reconnect (the endpoint now leads to the new
 * primary) and resend the command.
 */
export function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

interface Tracked {
  /** A connection in subscriber mode accepts no AUTH: it picks the new token up when it reconnects. */
  subscriber: boolean;
}

/**
 * Builds every Redis connection of the cache room the same way (standalone or cluster, TLS, AUTH token or
 * ElastiCache IAM token, READONLY handling) and, with IAM auth, signs a new token every `refreshAfterSeconds`:
 * future connections use it and every live one re-authenticates with it (IAM connections end after 12 h otherwise).
 */
export class RedisConnections {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly endpoint: RedisEndpoint;
  readonly cluster: boolean;
  private readonly clients = new Map<RedisClient, Tracked>();
  private username?: string;
  private password?: string;
  private refreshTimer?: NodeJS.Timeout;
  private closed = false;
  /** IAM tokens signed so far. */
  tokensSigned = 0;

  constructor(
    private readonly options: CacheModuleOptions & { redisUrl: string },
    private readonly signer?: () => Promise<string>,
  ) {
    this.endpoint = parseRedisUrl(options.redisUrl);
    this.cluster = isClusterMode(options, this.endpoint.host);
    this.username = options.iamAuth?.userId ?? this.endpoint.username;
    this.password = signer ? undefined : this.endpoint.password;
  }

  /** A new client; without IAM auth it connects at once, with it once `start` has signed the first token. */
  create(name: string, role: { subscriber?: boolean } = {}): RedisClient {
    const lazy = this.signer !== undefined && this.password === undefined;
    const nodeOptions: RedisOptions = {
      connectionName: name,
      username: this.username,
      password: this.password,
      tls: this.endpoint.tls ? {} : undefined,
      maxRetriesPerRequest: 1,
      commandTimeout: this.options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      reconnectOnError: reconnectOnReadOnly,
      // The owner re-subscribes on every 'ready' itself: ioredis's own resubscription is lost if a reconnect fails.
      autoResubscribe: !role.subscriber,
    };
    // The queue holds a SUBSCRIBE until connected and a READONLY-failed command until it is resent; the cache checks
    // `status` before each command, so nothing else waits in it while Redis is down.
    const offlineQueue = true;
    const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);
    const client: RedisClient = this.cluster
      ? new Cluster([{ host: this.endpoint.host, port: this.endpoint.port }], {
          // ElastiCache TLS certificates name the hosts: keep them, do not resolve them to IPs first.
          dnsLookup: (address, callback) => callback(null, address),
          redisOptions: nodeOptions,
          enableOfflineQueue: offlineQueue,
          clusterRetryStrategy: retryStrategy,
          slotsRefreshTimeout: 2_000,
          lazyConnect: lazy,
        } satisfies ClusterOptions)
      : new Redis({
          host: this.endpoint.host,
          port: this.endpoint.port,
          db: this.endpoint.db,
          ...nodeOptions,
          enableOfflineQueue: offlineQueue,
          lazyConnect: lazy,
          retryStrategy,
        });
    this.clients.set(client, { subscriber: role.subscriber === true });
    return client;
  }

  /** With IAM auth: signs the first token (retrying until it succeeds), connects, then refreshes on a timer. */
  start(): void {
    if (!this.signer) return;
    const refreshMs = (this.options.iamAuth?.refreshAfterSeconds ?? 600) * 1000;
    const firstToken = async (attempt: number): Promise<void> => {
      if (this.closed) return;
      try {
        await this.refreshCredentials();
        for (const client of this.clients.keys()) if (client.status === 'wait') void client.connect().catch(() => {});
      } catch (error) {
        this.logger.warn(`could not sign an ElastiCache IAM token, serving without Redis: ${(error as Error).message}`);
        setTimeout(() => void firstToken(attempt + 1), Math.min(1_000 * 2 ** attempt, 30_000)).unref();
      }
    };
    void firstToken(0);
    this.refreshTimer = setInterval(() => {
      this.refreshCredentials().catch((error: Error) => this.logger.warn(`IAM token refresh failed: ${error.message}`));
    }, refreshMs);
    this.refreshTimer.unref();
  }

  /** Signs a new IAM token: new connections use it, and every live connection re-authenticates with it. */
  async refreshCredentials(): Promise<void> {
    if (!this.signer) return;
    const token = await this.signer();
    this.tokensSigned++;
    this.password = token;
    await Promise.all([...this.clients].map(([client, tracked]) => this.reauthenticate(client, tracked, token)));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.refreshTimer);
    for (const client of this.clients.keys()) client.disconnect();
    this.clients.clear();
  }

  private async reauthenticate(client: RedisClient, tracked: Tracked, token: string): Promise<void> {
    const nodes: Redis[] = client instanceof Cluster ? client.nodes() : [client];
    if (client instanceof Cluster && client.options.redisOptions) client.options.redisOptions.password = token;
    for (const node of nodes) {
      node.options.password = token;
      if (tracked.subscriber || node.status !== 'ready') continue;
      try {
        await (this.username ? node.auth(this.username, token) : node.auth(token));
      } catch (error) {
        this.logger.warn(`re-authentication failed, the connection will reconnect: ${(error as Error).message}`);
        node.disconnect(true);
      }
    }
  }
}

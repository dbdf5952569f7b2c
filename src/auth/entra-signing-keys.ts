import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { z } from 'zod';
import { UnavailableError } from '../errors/domain-errors';

/** Name of the token-keys dependency in 503 answers and readiness. */
export const KEYS_DEPENDENCY = 'token-keys';
/** After a failed background refresh, try again this soon (capped by the refresh interval). */
const FAILED_REFRESH_RETRY_MS = 5 * 60_000;

const openIdMetadataSchema = z.object({ issuer: z.string().min(1), jwks_uri: z.url() });

export interface SigningKeysOptions {
  /** `${authority}/${tenant}/v2.0/.well-known/openid-configuration`. */
  metadataUrl: string;
  /** Accept an `http://` jwks_uri (local issuer only). */
  allowHttp: boolean;
  /** Timeout of each metadata and JWKS request, ms. */
  timeoutMs: number;
  /** Base period of the background refresh, ms; each wait is jittered to 1–2× this. */
  refreshIntervalMs: number;
  /** Least time between two fetches triggered by unknown `kid`s, ms. */
  cooldownMs: number;
  /** Monotonic clock in ms; performance.now by default (tests pass their own). */
  now?: () => number;
}

/** The OpenID metadata's `issuer` (Entra's multi-tenant documents carry `{tenantid}`) and the keys it points to. */
export interface KeySource {
  issuerTemplate: string;
  jwksUri: string;
  jwks: RemoteJWKSet;
}

/** Jittered wait before the next background refresh: uniformly between 1× and 2× the interval. */
export function nextRefreshDelay(intervalMs: number, random = Math.random()): number {
  return Math.round(intervalMs * (1 + random));
}

/**
 * OpenID metadata and signing keys of one authority, the way Microsoft.Identity.Web's ConfigurationManager keeps
 * them: fetched once, refreshed in the background every 12–24 h with jitter, refetched on an unknown `kid` at most
 * once per cooldown (concurrent requests share one fetch), and the last good keys kept when a fetch fails.
 * jose's remote set does the fetching and key selection; it never fetches on the request path by itself here
 * (cacheMaxAge and cooldownDuration are infinite) so every fetch goes through the policy below.
 */
export class EntraSigningKeys {
  private readonly logger = new Logger('EntraSigningKeys');
  private readonly now: () => number;
  private source?: KeySource;
  private firstLoad?: Promise<KeySource>;
  private refreshing?: Promise<boolean>;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SigningKeysOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The current metadata and keys; the first call fetches them (UnavailableError while that fails). */
  load(): Promise<KeySource> {
    if (this.source) return Promise.resolve(this.source);
    this.firstLoad ??= this.fetchSource()
      .then((source) => {
        this.source = source;
        this.schedule(nextRefreshDelay(this.options.refreshIntervalMs));
        return source;
      })
      .finally(() => (this.firstLoad = undefined));
    return this.firstLoad;
  }

  /** jose key resolver: known keys first; an unknown `kid` gets one (rate-limited, shared) refetch, then a verdict. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const source = this.source ?? (await this.load());
    try {
      return await source.jwks(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (!(await this.refreshForUnknownKey())) throw err;
      return (this.source ?? source).jwks(header, token);
    }
  };

  /** Fetches metadata and keys now unless a fetch is running (then shares it); true when it succeeded. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.fetchSource()
      .then(
        (source) => {
          this.source = source;
          return true;
        },
        (err: unknown) => {
          const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
          this.logger.warn(`OpenID metadata or JWKS refresh failed, keeping the last known keys: ${cause}`);
          return false;
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Stops the background refresh. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async refreshForUnknownKey(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    if (this.now() - this.lastFetchAt < this.options.cooldownMs) return false;
    return this.refresh();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.refresh().then((ok) =>
        this.schedule(
          ok
            ? nextRefreshDelay(this.options.refreshIntervalMs)
            : Math.min(FAILED_REFRESH_RETRY_MS, this.options.refreshIntervalMs),
        ),
      );
    }, delayMs);
    // A pending refresh must never keep the process alive.
    this.timer.unref();
  }

  private async fetchSource(): Promise<KeySource> {
    this.lastFetchAt = this.now();
    const { timeoutMs } = this.options;
    let body: unknown;
    try {
      const response = await fetch(this.options.metadataUrl, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) throw new Error(`OpenID metadata request answered ${response.status}`);
      body = await response.json();
    } catch (err) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: err });
    }
    const metadata = openIdMetadataSchema.safeParse(body);
    if (!metadata.success) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: new Error('OpenID metadata lacks issuer or jwks_uri') });
    }
    const jwksUrl = new URL(metadata.data.jwks_uri);
    if (!isAllowedProtocol(jwksUrl, this.options.allowHttp)) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: new Error('OpenID metadata jwks_uri is not https') });
    }
    const reuse = this.source?.jwksUri === jwksUrl.href ? this.source.jwks : undefined;
    const jwks =
      reuse ??
      createRemoteJWKSet(jwksUrl, {
        timeoutDuration: timeoutMs,
        cacheMaxAge: Number.POSITIVE_INFINITY,
        cooldownDuration: Number.POSITIVE_INFINITY,
      });
    try {
      await jwks.reload();
    } catch (err) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: err });
    }
    return { issuerTemplate: metadata.data.issuer, jwksUri: jwksUrl.href, jwks };
  }
}

export function isAllowedProtocol(url: URL, allowHttp: boolean): boolean {
  return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
}

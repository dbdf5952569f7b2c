import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { CacheBus } from '../cache/cache.bus';
import { UnavailableError } from '../errors/domain-errors';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition';
import { DEFAULT_MAX_TOKEN_AGE_SECONDS } from './entra-token.verifier';

const CHANNEL = 'auth:sessions-revoked';
const STAMPS_KEY = 'auth:revoked-sessions';
/** Longest start-up waits for past revocations before serving anyway (Redis down must not stop the service). */
const INITIAL_SYNC_WAIT_MS = 2_000;
export const REVOCATION_DEPENDENCY = 'session-revocation';

const messageSchema = z.object({ member: z.string().regex(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/), at: z.number() });

export type RevocationListener = (tenantId: string, objectId: string) => void;

/**
 * Revoked sessions, per user (`tid`, `oid`): a token issued at or before the revocation's second is refused.
 * The lookup is in-process on every request; Redis (through CacheBus) carries each revocation to the other
 * instances (pub/sub, within milliseconds) and keeps them in one sorted set for as long as a token can live,
 * so an instance that starts or reconnects later reloads them. Without REDIS_URL it is this process only.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SessionRevocations.name);
  private readonly revoked = new Map<string, number>();
  private readonly listeners: RevocationListener[] = [];
  private readonly bus: CacheBus;
  /** How long a revocation matters: the oldest token accepted (`iat`) plus the clock skew. */
  private readonly retentionMs: number;
  private syncedOnce = false;
  private resolveFirstSync?: () => void;
  private readonly firstSync = new Promise<void>((resolve) => (this.resolveFirstSync = resolve));

  constructor(@Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions, @Optional() bus?: CacheBus) {
    // Imported alone (no CacheModule), revocations stay in this process.
    this.bus = bus ?? new CacheBus();
    this.retentionMs =
      ((options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS) + options.clockSkewSeconds) * 1000;
  }

  onModuleInit(): void {
    this.bus.listen(CHANNEL, { message: (raw) => this.applyMessage(raw), resync: () => void this.resync() });
    if (!this.bus.shared) this.markSynced();
  }

  /** Start-up waits briefly for past revocations so a new instance does not serve revoked tokens meanwhile. */
  async onApplicationBootstrap(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, INITIAL_SYNC_WAIT_MS)));
    await Promise.race([this.firstSync, timeout]);
    clearTimeout(timer);
    if (!this.syncedOnce) this.logger.warn('past session revocations not loaded yet (Redis unreachable); will retry');
  }

  /** True once past revocations were loaded from Redis (always true without Redis). */
  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Called with (tenantId, objectId) for every revocation learnt, local or remote. */
  onRevoked(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  /** Revokes now, here and everywhere; UnavailableError when Redis is configured but other instances cannot be told. */
  async revoke(tenantId: string, objectId: string): Promise<Date> {
    const member = memberOf(tenantId, objectId);
    const at = Date.now();
    this.apply(member, at);
    try {
      await this.bus.stamp(STAMPS_KEY, member, at, this.retentionMs);
      await this.bus.broadcast(CHANNEL, JSON.stringify({ member, at }));
    } catch (err) {
      // Applied here only: the caller must retry rather than believe every instance refuses the tokens.
      throw new UnavailableError(REVOCATION_DEPENDENCY, 1, { cause: err });
    }
    return new Date(at);
  }

  /** True when the user's sessions were revoked at or after the token's `iat` second. */
  isRevoked(tenantId: string, objectId: string, issuedAtSeconds: number): boolean {
    const member = memberOf(tenantId, objectId);
    const at = this.revoked.get(member);
    if (at === undefined) return false;
    if (at < Date.now() - this.retentionMs) {
      this.revoked.delete(member);
      return false;
    }
    return issuedAtSeconds * 1000 <= at;
  }

  private applyMessage(raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    const message = messageSchema.safeParse(parsed);
    if (message.success) this.apply(message.data.member, message.data.at);
  }

  private async resync(): Promise<void> {
    try {
      const stamps = await this.bus.readStamps(STAMPS_KEY, Date.now() - this.retentionMs);
      for (const [member, at] of stamps) this.apply(member, at);
      this.markSynced();
    } catch (err) {
      this.logger.warn(`could not load past session revocations: ${(err as Error).message}`);
    }
  }

  private apply(member: string, at: number): void {
    const known = this.revoked.get(member);
    if (known !== undefined && known >= at) return;
    this.revoked.set(member, at);
    const [tenantId = '', objectId = ''] = member.split(':');
    for (const listener of this.listeners) listener(tenantId, objectId);
  }

  private markSynced(): void {
    this.syncedOnce = true;
    this.resolveFirstSync?.();
  }
}

function memberOf(tenantId: string, objectId: string): string {
  return `${tenantId.toLowerCase()}:${objectId.toLowerCase()}`;
}

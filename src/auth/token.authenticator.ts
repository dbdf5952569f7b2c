import { Inject, Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { TokenRefusedError } from './auth.errors';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition';
import { EntraTokenVerifier, type VerifiedToken } from './entra-token.verifier';
import type { Principal } from './principal';
import { SessionRevocations } from './session-revocations';

const DEFAULT_CLAIMS_CACHE_MAX_ENTRIES = 10_000;

/**
 * Token → Principal for every request: verified claims are cached by SHA-256 of the token (bounded LRU, each entry
 * expiring at the token's `exp`), so a repeated token costs a one-shot hash and a map lookup instead of an RS256 check.
 * The revocation check runs on every request, cached or not; a revocation also drops the user's cached entries.
 */
@Injectable()
export class TokenAuthenticator {
  private readonly cache?: LRUCache<string, VerifiedToken>;
  /** Tokens served from the claims cache, and tokens that went through full verification (signature included). */
  readonly stats = { cacheHits: 0, verifications: 0 };

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    private readonly verifier: EntraTokenVerifier,
    private readonly revocations: SessionRevocations,
  ) {
    const max = options.claimsCacheMaxEntries ?? DEFAULT_CLAIMS_CACHE_MAX_ENTRIES;
    if (max > 0) this.cache = new LRUCache({ max });
    revocations.onRevoked((tenantId, objectId) => this.forget(tenantId, objectId));
  }

  /** The verified, unrevoked Principal of a bearer token; throws TokenRefusedError (401) or UnavailableError (503). */
  async authenticate(token: string): Promise<Principal> {
    const key = hash('sha256', token, 'base64url');
    let entry = this.cache?.get(key);
    if (entry) {
      this.stats.cacheHits++;
    } else {
      entry = await this.verifier.verifyToken(token);
      this.stats.verifications++;
      deepFreeze(entry.principal);
      const ttl = entry.expiresAt - Date.now();
      // Accepted within the clock skew but already past exp: verify it again next time rather than cache it.
      if (ttl > 0) this.cache?.set(key, entry, { ttl });
    }
    const { tenantId, objectId, issuedAt } = entry.principal;
    if (this.revocations.isRevoked(tenantId, objectId, issuedAt)) {
      throw new TokenRefusedError('The session behind this token has been revoked', 'session_revoked', {
        tenantId,
        objectId,
      });
    }
    return entry.principal;
  }

  /** Drops every cached token of one user. */
  private forget(tenantId: string, objectId: string): void {
    if (!this.cache) return;
    const stale = [...this.cache.entries()]
      .filter(([, entry]) => entry.principal.tenantId === tenantId && entry.principal.objectId === objectId)
      .map(([key]) => key);
    for (const key of stale) this.cache.delete(key);
  }
}

/** A cached Principal is shared by every request with that token: nobody may change it. */
function deepFreeze(principal: Principal): void {
  Object.freeze(principal.roles);
  Object.freeze(principal.scopes);
  Object.freeze(principal.permissions);
  Object.freeze(principal);
}

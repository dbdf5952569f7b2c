import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { z } from 'zod';
import { DomainError } from '../errors/domain-errors';
import { TokenRefusedError, type VerifiedCaller } from './auth.errors';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition';
import { EntraSigningKeys, isAllowedProtocol } from './entra-signing-keys';
import type { Principal } from './principal';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT_SEGMENTS = new Set(['organizations', 'common']);
const TENANT_PLACEHOLDER = '{tenantid}';
/** Issuer of Entra v1.0 access tokens (public cloud). */
export const V1_ISSUER_TEMPLATE = 'https://sts.windows.net/{tenantid}/';
/** Header parameters that point key resolution at the token itself or at an attacker's URL. */
const REFUSED_HEADER_PARAMETERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;
const DEFAULT_MAX_TOKEN_BYTES = 16 * 1024;
const DEFAULT_HTTP_TIMEOUT_MS = 5_000;
const DEFAULT_KEYS_REFRESH_INTERVAL_MS = 12 * 3_600_000;
const DEFAULT_JWKS_COOLDOWN_MS = 5 * 60_000;
/** Entra's longest access tokens (continuous access evaluation) live 28 h. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 28 * 3_600;

const accessTokenClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  oid: z.string().regex(GUID),
  exp: z.number(),
  iat: z.number(),
  ver: z.string().optional(),
  scp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  groups: z.array(z.string()).optional(),
  wids: z.array(z.string()).optional(),
  idtyp: z.string().optional(),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
});
type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** A verified token: its Principal and when it stops being valid (epoch ms). */
export interface VerifiedToken {
  principal: Principal;
  expiresAt: number;
}

/** Validates Microsoft Entra ID access tokens (and the local dev issuer's) and maps them to a Principal. */
@Injectable()
export class EntraTokenVerifier implements OnModuleDestroy {
  private readonly multiTenant: boolean;
  private readonly keys: EntraSigningKeys;
  private readonly maxTokenAgeSeconds: number;
  /** groupMap with lower-cased ids: Entra may send GUIDs in either case. */
  private readonly groupMap: Record<string, string[]>;

  constructor(@Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions) {
    const authorityHost = options.authorityHost.replace(/\/+$/, '');
    this.multiTenant = MULTI_TENANT_SEGMENTS.has(options.tenantId);
    this.maxTokenAgeSeconds = options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS;
    this.groupMap = Object.fromEntries(
      Object.entries(options.groupMap ?? {}).map(([id, permissions]) => [id.toLowerCase(), permissions]),
    );
    assertUsableOptions(options, authorityHost);
    this.keys = new EntraSigningKeys({
      metadataUrl: `${authorityHost}/${encodeURIComponent(options.tenantId)}/v2.0/.well-known/openid-configuration`,
      allowHttp: options.allowHttpAuthority,
      timeoutMs: options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      refreshIntervalMs: options.keysRefreshIntervalMs ?? DEFAULT_KEYS_REFRESH_INTERVAL_MS,
      cooldownMs: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    });
  }

  /** Verifies a compact JWS access token; throws TokenRefusedError (401) or UnavailableError (503, no keys). */
  async verify(token: string): Promise<Principal> {
    return (await this.verifyToken(token)).principal;
  }

  /** Like verify, with the instant the token stops being valid (for the claims cache). */
  async verifyToken(token: string): Promise<VerifiedToken> {
    this.assertAcceptableHeader(token);
    const source = await this.keys.load();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.getKey, {
        algorithms: ['RS256'],
        audience: this.options.audiences,
        clockTolerance: this.options.clockSkewSeconds,
        maxTokenAge: this.maxTokenAgeSeconds,
        requiredClaims: ['exp', 'iat', 'iss', 'sub', 'tid'],
      }));
    } catch (err) {
      throw toDomainError(err);
    }
    // The signature verified: from here on the token's tid and oid may be recorded with a refusal.
    const caller = verifiedCaller(payload);
    const tenantId = this.assertTenant(payload, source.issuerTemplate, caller);
    const claims = parseClaims(payload, caller);
    const expiresAt = Math.min(claims.exp, claims.iat + this.maxTokenAgeSeconds) * 1000;
    return { principal: this.toPrincipal(claims, tenantId, caller), expiresAt };
  }

  /** Resolves when the metadata and the signing keys have been fetched at least once; fetches them now if not. */
  async ensureKeys(): Promise<void> {
    await this.keys.load();
  }

  /** Refetches metadata and keys now (shared with a fetch already running); false when the fetch failed. */
  refreshKeys(): Promise<boolean> {
    return this.keys.refresh();
  }

  onModuleDestroy(): void {
    this.keys.close();
  }

  private assertAcceptableHeader(token: string): void {
    const maxBytes = this.options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    if (Buffer.byteLength(token, 'utf8') > maxBytes) {
      throw new TokenRefusedError('The access token is too large', 'token_too_large');
    }
    let header: ProtectedHeaderParameters;
    try {
      // A compact JWS has three segments; a JWE (five) is never an Entra access token for this API.
      if (token.split('.', 4).length !== 3) throw new TypeError('not a compact JWS');
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRefusedError('The access token is malformed', 'malformed_token');
    }
    if (header.alg !== 'RS256') {
      throw new TokenRefusedError('The access token uses an unsupported algorithm', 'unsupported_algorithm');
    }
    if (REFUSED_HEADER_PARAMETERS.some((name) => name in header)) {
      throw new TokenRefusedError('The access token header carries a refused parameter', 'refused_header');
    }
  }

  /** `tid` must be a GUID, agree with `iss` (v2, or v1 when enabled), and be this API's tenant or an allowed one. */
  private assertTenant(payload: JWTPayload, issuerTemplate: string, caller: VerifiedCaller): string {
    const tid = payload['tid'];
    if (typeof tid !== 'string' || !GUID.test(tid)) {
      throw new TokenRefusedError('The access token has an invalid tenant', 'invalid_tenant', caller);
    }
    const ver = payload['ver'];
    const isV2 = payload.iss === issuerTemplate.replaceAll(TENANT_PLACEHOLDER, tid);
    const isV1 = payload.iss === V1_ISSUER_TEMPLATE.replace(TENANT_PLACEHOLDER, tid);
    if (isV1 && !this.options.acceptV1Tokens) {
      throw new TokenRefusedError('The API does not accept v1.0 access tokens', 'v1_token_refused', caller);
    }
    // `ver`, when present, must name the same token version as the issuer.
    const versionAgrees = ver === undefined || (isV2 && ver === '2.0') || (isV1 && ver === '1.0');
    if (!(isV2 || isV1) || !versionAgrees) {
      throw new TokenRefusedError(
        'The access token was not issued by the expected authority',
        'invalid_issuer',
        caller,
      );
    }
    const tenantId = tid.toLowerCase();
    if (!this.isAllowedTenant(tenantId)) {
      throw new TokenRefusedError(
        'The access token belongs to a tenant this API does not serve',
        'tenant_not_allowed',
        caller,
      );
    }
    return tenantId;
  }

  private isAllowedTenant(tenantId: string): boolean {
    if (!this.multiTenant) return tenantId === this.options.tenantId.toLowerCase();
    const allowed = this.options.allowedTenants;
    return allowed === '*' || allowed.some((candidate) => candidate.toLowerCase() === tenantId);
  }

  private toPrincipal(claims: AccessTokenClaims, tenantId: string, caller: VerifiedCaller): Principal {
    const scopes = (claims.scp ?? '').split(' ').filter((scope) => scope.length > 0);
    const roles = claims.roles ?? [];
    if (scopes.length === 0 && roles.length === 0) {
      throw new TokenRefusedError('The access token carries neither scopes nor roles', 'no_scopes_or_roles', caller);
    }
    const appOnly = claims.idtyp === 'app' || scopes.length === 0;
    const directoryIds = [...(claims.groups ?? []), ...(claims.wids ?? [])].map((id) => id.toLowerCase());
    const permissions = new Set([
      ...mapThrough(this.options.roleMap, roles),
      ...mapThrough(this.groupMap, directoryIds),
    ]);
    if (!appOnly) mapThrough(this.options.scopeMap, scopes).forEach((permission) => permissions.add(permission));
    return {
      subject: claims.sub,
      objectId: claims.oid.toLowerCase(),
      tenantId,
      name: claims.name ?? claims.preferred_username,
      roles,
      scopes,
      appOnly,
      permissions: [...permissions].sort(),
      issuedAt: claims.iat,
    };
  }
}

function verifiedCaller(payload: JWTPayload): VerifiedCaller {
  const tid = payload['tid'];
  const oid = payload['oid'];
  return {
    tenantId: typeof tid === 'string' && GUID.test(tid) ? tid.toLowerCase() : undefined,
    objectId: typeof oid === 'string' && GUID.test(oid) ? oid.toLowerCase() : undefined,
  };
}

function parseClaims(payload: JWTPayload, caller: VerifiedCaller): AccessTokenClaims {
  const claims = accessTokenClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new TokenRefusedError(
      'The access token lacks a required claim or has an invalid one',
      'invalid_claims',
      caller,
    );
  }
  return claims.data;
}

/** Own keys only: a role named `constructor` must not reach Object.prototype. */
function mapThrough(map: Record<string, string[]>, names: string[]): string[] {
  return names.flatMap((name) => (Object.hasOwn(map, name) ? (map[name] ?? []) : []));
}

function assertUsableOptions(options: AuthModuleOptions, authorityHost: string): void {
  if (!URL.canParse(authorityHost) || !isAllowedProtocol(new URL(authorityHost), options.allowHttpAuthority)) {
    throw new Error('AuthModule: authorityHost must be an https:// URL (http:// only with allowHttpAuthority)');
  }
  if (!GUID.test(options.tenantId) && !MULTI_TENANT_SEGMENTS.has(options.tenantId)) {
    throw new Error('AuthModule: tenantId must be a tenant GUID, "organizations" or "common"');
  }
  if (options.audiences.length === 0) throw new Error('AuthModule: audiences must not be empty');
  if (options.allowedTenants === '*' && !options.allowHttpAuthority) {
    throw new Error('AuthModule: allowedTenants "*" is only for the local dev issuer (allowHttpAuthority)');
  }
}

function toDomainError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  // JWTExpired and JWTClaimValidationFailed are raised after the signature verified: their payload is genuine.
  if (err instanceof errors.JWTExpired) {
    return new TokenRefusedError('The access token has expired', 'token_expired', verifiedCaller(err.payload));
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const caller = verifiedCaller(err.payload);
    if (err.claim === 'nbf') {
      return new TokenRefusedError('The access token is not valid yet', 'token_not_yet_valid', caller);
    }
    if (err.claim === 'aud') {
      return new TokenRefusedError('The access token was issued for another audience', 'invalid_audience', caller);
    }
    const reason = err.reason === 'missing' ? 'missing_claim' : 'invalid_claims';
    return new TokenRefusedError('The access token lacks a required claim or has an invalid one', reason, caller);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRefusedError('The access token signature is invalid', 'invalid_signature');
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRefusedError('The access token was signed with an unknown key', 'unknown_key');
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new TokenRefusedError('The access token uses an unsupported algorithm', 'unsupported_algorithm');
  }
  if (err instanceof errors.JOSEError) return new TokenRefusedError('The access token is malformed', 'malformed_token');
  return err;
}

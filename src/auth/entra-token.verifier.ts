import { Inject, Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
  type RemoteJWKSet,
} from 'jose';
import { z } from 'zod';
import { DomainError, UnauthenticatedError, UnavailableError } from '../errors/domain-errors';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition';
import type { Principal } from './principal';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT_SEGMENTS = new Set(['organizations', 'common']);
const TENANT_PLACEHOLDER = '{tenantid}';
/** Header parameters that point key resolution at the token itself or at an attacker's URL. */
const REFUSED_HEADER_PARAMETERS = ['jku', 'x5u', 'jwk', 'crit'] as const;
const DEFAULT_MAX_TOKEN_BYTES = 16 * 1024;
const DEFAULT_HTTP_TIMEOUT_MS = 5_000;
const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const KEYS_DEPENDENCY = 'token-keys';

const openIdMetadataSchema = z.object({ issuer: z.string().min(1), jwks_uri: z.url() });

const accessTokenClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  oid: z.string().regex(GUID),
  scp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  idtyp: z.string().optional(),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  iat: z.number().optional(),
});
type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

interface KeySource {
  /** The metadata's `issuer`; Entra's multi-tenant documents carry a `{tenantid}` placeholder. */
  issuerTemplate: string;
  jwks: RemoteJWKSet;
}

/** Validates Microsoft Entra ID v2 access tokens (and the local dev issuer's) and maps them to a Principal. */
@Injectable()
export class EntraTokenVerifier {
  private readonly authorityHost: string;
  private readonly multiTenant: boolean;
  private keySource?: KeySource;
  private pendingKeySource?: Promise<KeySource>;
  private lastKnownKeys?: { json: string; resolve: JWTVerifyGetKey };

  constructor(@Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions) {
    this.authorityHost = options.authorityHost.replace(/\/+$/, '');
    this.multiTenant = MULTI_TENANT_SEGMENTS.has(options.tenantId);
    assertUsableOptions(options, this.authorityHost);
  }

  /** Verifies a compact JWS access token; throws UnauthenticatedError (401) or UnavailableError (503, no keys). */
  async verify(token: string): Promise<Principal> {
    this.assertAcceptableHeader(token);
    const source = await this.loadKeySource();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyResolver(source.jwks), {
        algorithms: ['RS256'],
        audience: this.options.audiences,
        clockTolerance: this.options.clockSkewSeconds,
        requiredClaims: ['exp', 'iss', 'sub', 'tid'],
      }));
    } catch (err) {
      throw toDomainError(err);
    }
    const tenantId = this.assertTenant(payload, source.issuerTemplate);
    return this.toPrincipal(parseClaims(payload), tenantId);
  }

  /** Resolves when the metadata and the signing keys have been fetched at least once; fetches them now if not. */
  async ensureKeys(): Promise<void> {
    const source = await this.loadKeySource();
    if (source.jwks.jwks() !== undefined) return;
    try {
      await source.jwks.reload();
    } catch (err) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: err });
    }
  }

  private assertAcceptableHeader(token: string): void {
    const maxBytes = this.options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    if (Buffer.byteLength(token, 'utf8') > maxBytes) {
      throw new UnauthenticatedError('The access token is too large', 'token_too_large');
    }
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new UnauthenticatedError('The access token is malformed', 'malformed_token');
    }
    if (header.alg !== 'RS256') {
      throw new UnauthenticatedError('The access token uses an unsupported algorithm', 'unsupported_algorithm');
    }
    if (REFUSED_HEADER_PARAMETERS.some((name) => name in header)) {
      throw new UnauthenticatedError('The access token header carries a refused parameter', 'refused_header');
    }
  }

  /** Shares one in-flight metadata fetch; a failed fetch is retried by the next call. */
  private loadKeySource(): Promise<KeySource> {
    if (this.keySource) return Promise.resolve(this.keySource);
    this.pendingKeySource ??= this.fetchKeySource()
      .then((source) => (this.keySource = source))
      .finally(() => (this.pendingKeySource = undefined));
    return this.pendingKeySource;
  }

  private async fetchKeySource(): Promise<KeySource> {
    const tenantSegment = encodeURIComponent(this.options.tenantId);
    const url = `${this.authorityHost}/${tenantSegment}/v2.0/.well-known/openid-configuration`;
    const timeoutMs = this.options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    let body: unknown;
    try {
      const response = await fetch(url, {
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
    if (!isAllowedProtocol(jwksUrl, this.options.allowHttpAuthority)) {
      throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: new Error('OpenID metadata jwks_uri is not https') });
    }
    const jwks = createRemoteJWKSet(jwksUrl, {
      timeoutDuration: timeoutMs,
      cacheMaxAge: this.options.jwksCacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: this.options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    });
    return { issuerTemplate: metadata.data.issuer, jwks };
  }

  /** Remote keys first; when the JWKS endpoint fails, the last keys it served stay valid (stale-if-error). */
  private keyResolver(jwks: RemoteJWKSet): JWTVerifyGetKey {
    return async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
        const known = jwks.jwks();
        if (known === undefined) throw new UnavailableError(KEYS_DEPENDENCY, 5, { cause: err });
        const json = JSON.stringify(known);
        if (this.lastKnownKeys?.json !== json) this.lastKnownKeys = { json, resolve: createLocalJWKSet(known) };
        return this.lastKnownKeys.resolve(header, token);
      }
    };
  }

  /** `tid` must be a GUID, agree with `iss`, and be this API's tenant (or an allowed one in multi-tenant mode). */
  private assertTenant(payload: JWTPayload, issuerTemplate: string): string {
    const tid = payload['tid'];
    if (typeof tid !== 'string' || !GUID.test(tid)) {
      throw new UnauthenticatedError('The access token has an invalid tenant', 'invalid_tenant');
    }
    if (payload.iss !== issuerTemplate.replaceAll(TENANT_PLACEHOLDER, tid)) {
      throw new UnauthenticatedError('The access token was not issued by the expected authority', 'invalid_issuer');
    }
    const tenantId = tid.toLowerCase();
    if (!this.isAllowedTenant(tenantId)) {
      throw new UnauthenticatedError(
        'The access token belongs to a tenant this API does not serve',
        'tenant_not_allowed',
      );
    }
    return tenantId;
  }

  private isAllowedTenant(tenantId: string): boolean {
    if (!this.multiTenant) return tenantId === this.options.tenantId.toLowerCase();
    const allowed = this.options.allowedTenants;
    return allowed === '*' || allowed.some((candidate) => candidate.toLowerCase() === tenantId);
  }

  private toPrincipal(claims: AccessTokenClaims, tenantId: string): Principal {
    const scopes = (claims.scp ?? '').split(' ').filter((scope) => scope.length > 0);
    const roles = claims.roles ?? [];
    if (scopes.length === 0 && roles.length === 0) {
      throw new UnauthenticatedError('The access token carries neither scopes nor roles', 'no_scopes_or_roles');
    }
    const appOnly = claims.idtyp === 'app' || scopes.length === 0;
    const permissions = new Set(mapThrough(this.options.roleMap, roles));
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

function parseClaims(payload: JWTPayload): AccessTokenClaims {
  const claims = accessTokenClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new UnauthenticatedError('The access token lacks a required claim or has an invalid one', 'invalid_claims');
  }
  return claims.data;
}

/** Own keys only: a role named `constructor` must not reach Object.prototype. */
function mapThrough(map: Record<string, string[]>, names: string[]): string[] {
  return names.flatMap((name) => (Object.hasOwn(map, name) ? (map[name] ?? []) : []));
}

function isAllowedProtocol(url: URL, allowHttp: boolean): boolean {
  return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
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
  if (err instanceof errors.JWTExpired) {
    return new UnauthenticatedError('The access token has expired', 'token_expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf')
      return new UnauthenticatedError('The access token is not valid yet', 'token_not_yet_valid');
    if (err.claim === 'aud') {
      return new UnauthenticatedError('The access token was issued for another audience', 'invalid_audience');
    }
    const reason = err.reason === 'missing' ? 'missing_claim' : 'invalid_claims';
    return new UnauthenticatedError('The access token lacks a required claim or has an invalid one', reason);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new UnauthenticatedError('The access token signature is invalid', 'invalid_signature');
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new UnauthenticatedError('The access token was signed with an unknown key', 'unknown_key');
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new UnauthenticatedError('The access token uses an unsupported algorithm', 'unsupported_algorithm');
  }
  if (err instanceof errors.JOSEError)
    return new UnauthenticatedError('The access token is malformed', 'malformed_token');
  return err;
}

import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of AuthModule.forRoot / forRootAsync. */
export interface AuthModuleOptions {
  /** Base URL of the authority, no trailing slash; default in config `https://login.microsoftonline.com` (`http://127.0.0.1:PORT` for the local issuer). */
  authorityHost: string;
  /** Tenant GUID for a single-tenant API, or `organizations`/`common` for multi-tenant; no default. */
  tenantId: string;
  /** The API's application (client) id; no default. */
  clientId: string;
  /** Accepted `aud` values; default in config: the client id and `api://<client id>`. */
  audiences: string[];
  /** Tenants accepted in multi-tenant mode; `'*'` (any GUID tenant) only for the local dev issuer; default in config `[]`. */
  allowedTenants: string[] | '*';
  /** Clock tolerance for `exp`/`nbf` in seconds; default in config 300. */
  clockSkewSeconds: number;
  /** App role (`roles` claim) to permissions; default in config: each role maps to the permission of the same name. */
  roleMap: Record<string, string[]>;
  /** Delegated scope (`scp` claim) to permissions; default in config: Documents.Read, Documents.ReadWrite. */
  scopeMap: Record<string, string[]>;
  /** Entra group object id (`groups` claim) or directory role template id (`wids` claim) to permissions; default `{}`. */
  groupMap?: Record<string, string[]>;
  /** Also accept v1.0 tokens (issuer `https://sts.windows.net/{tid}/`); default false. */
  acceptV1Tokens?: boolean;
  /** Oldest accepted token (`iat`), in seconds; also how long a session revocation is kept; default 100800 (28 h, Entra's longest CAE token). */
  maxTokenAgeSeconds?: number;
  /** Accept an `http://` authority and `jwks_uri` (local issuer only); false in the aws profile. */
  allowHttpAuthority: boolean;
  /** Largest bearer token accepted, in bytes; default 16 KiB. */
  maxTokenBytes?: number;
  /** Timeout of each metadata and JWKS request in milliseconds; default 5000. */
  httpTimeoutMs?: number;
  /** Base period of the background metadata and JWKS refresh in milliseconds, each wait jittered to 1–2× this; default 43200000 (12–24 h). */
  keysRefreshIntervalMs?: number;
  /** Least time between two metadata and JWKS fetches triggered by an unknown `kid`, in milliseconds; default 300000 (5 min). */
  jwksCooldownMs?: number;
  /** Verified tokens whose claims are kept (keyed by SHA-256 of the token) so a repeat skips the signature check; 0 disables; default 10000. */
  claimsCacheMaxEntries?: number;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

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
  /** Accept an `http://` authority and `jwks_uri` (local issuer only); false in the aws profile. */
  allowHttpAuthority: boolean;
  /** Largest bearer token accepted, in bytes; default 16 KiB. */
  maxTokenBytes?: number;
  /** Timeout of each metadata and JWKS request in milliseconds; default 5000. */
  httpTimeoutMs?: number;
  /** How long fetched signing keys count as fresh before a refetch, in milliseconds; default 600000 (known keys keep working if the refetch fails). */
  jwksCacheMaxAgeMs?: number;
  /** Least time between two JWKS refetches triggered by an unknown `kid`, in milliseconds; default 30000. */
  jwksCooldownMs?: number;
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

import { createHash, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The issuer the local discovery document advertises; a name only, never resolved (Entra publishes the same shape). */
export const LOCAL_ISSUER_TEMPLATE = 'https://login.navius.local/{tenantid}/v2.0';
/** Issuer of Entra v1.0 access tokens; the local issuer signs v1-shaped tokens on request. */
const V1_ISSUER_TEMPLATE = 'https://sts.windows.net/{tenantid}/';
/** Tenant of local dev tokens unless `--tenant` says otherwise. */
export const LOCAL_TENANT_ID = '00000000-0000-4000-8000-00000000a11e';
/** Object id of the local dev user. */
export const LOCAL_USER_OBJECT_ID = '00000000-0000-4000-8000-0000000000d5';
/** Object id of the local dev app's service principal (`--app`). */
export const LOCAL_APP_OBJECT_ID = '00000000-0000-4000-8000-0000000000a9';
/** Client id of the calling app (`azp`) in local dev tokens. */
export const LOCAL_CALLER_CLIENT_ID = '00000000-0000-4000-8000-00000000ca11';
/** Scope a local user token carries when no `--scopes` are given: real delegated tokens always have one. */
export const LOCAL_DEFAULT_SCOPE = 'access_as_user';

const KEY_ALGORITHM = 'RS256';
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/** The local issuer's signing key: a private RSA JWK with `kid`, and its public half. */
export interface IssuerKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Loads the local signing key from `${dataDir}/issuer/signing-key.json`, generating it once so tokens survive restarts. */
export async function loadOrCreateIssuerKey(dataDir: string): Promise<IssuerKey> {
  const dir = join(dataDir, 'issuer');
  const file = join(dir, 'signing-key.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const existing = await readKeyFile(file);
  if (existing) return toIssuerKey(existing);
  const generated = await generateSigningJwk();
  // Write aside then link: a concurrent start either wins or reads the complete winner, never a partial file.
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(generated, null, 2), { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temporary);
  }
  const stored = await readKeyFile(file);
  if (!stored) throw new Error(`Local issuer key ${file} could not be read back`);
  return toIssuerKey(stored);
}

async function readKeyFile(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const jwk = JSON.parse(text) as JWK;
  if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`Local issuer key ${file} is not a private RSA JWK with a kid; delete it to generate a new one`);
  }
  return jwk;
}

async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(KEY_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: KEY_ALGORITHM, use: 'sig' };
}

function toIssuerKey(privateJwk: JWK): IssuerKey {
  const publicJwk: JWK = { ...privateJwk };
  for (const member of PRIVATE_JWK_MEMBERS) delete publicJwk[member];
  return { privateJwk, publicJwk };
}

/** A tiny OpenID discovery and JWKS server on loopback, standing in for Entra in the `local` profile. */
export class LocalIssuer {
  /** Requests answered so far, by kind: tests count fetches on the issuer's side. */
  readonly requests = { discovery: 0, jwks: 0 };
  /** While true every request is answered 503, as during an Entra outage. */
  outage = false;
  private keys: JWK[];

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`: the authorityHost the verifier is given. */
    readonly authorityHost: string,
    private readonly ownKey: JWK,
  ) {
    this.keys = [ownKey];
  }

  static async start(opts: { dataDir: string; port?: number }): Promise<LocalIssuer> {
    const { publicJwk } = await loadOrCreateIssuerKey(opts.dataDir);
    // The handler needs the issuer, which needs the listening server's port: resolved through this holder.
    const holder: { issuer?: LocalIssuer } = {};
    const server = createServer((request, response) => holder.issuer?.serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    holder.issuer = new LocalIssuer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, publicJwk);
    return holder.issuer;
  }

  /** Replaces the published JWKS (public JWKs), as Entra does when it rotates keys; no argument restores the own key. */
  publishKeys(keys: JWK[] = [this.ownKey]): void {
    this.keys = keys.map((key) => toIssuerKey(key).publicJwk);
  }

  /** Stops listening and drops kept-alive connections so the process can exit. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { error: 'method_not_allowed' });
    }
    const path = new URL(request.url ?? '/', this.authorityHost).pathname;
    const tenant = DISCOVERY_PATH.exec(path)?.[1];
    if (path === KEYS_PATH) this.requests.jwks++;
    else if (tenant !== undefined) this.requests.discovery++;
    if (this.outage) return sendJson(response, 503, { error: 'temporarily_unavailable' });
    if (path === KEYS_PATH) return sendJson(response, 200, { keys: this.keys });
    if (tenant === undefined) return sendJson(response, 404, { error: 'not_found' });
    return sendJson(response, 200, {
      issuer: LOCAL_ISSUER_TEMPLATE,
      jwks_uri: `${this.authorityHost}${KEYS_PATH}`,
      token_endpoint: `${this.authorityHost}/${tenant}/oauth2/v2.0/token`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: [KEY_ALGORITHM],
      tenant_region_scope: 'LOCAL',
    });
  }
}

const DISCOVERY_PATH = /^\/([A-Za-z0-9.-]{1,64})\/v2\.0\/\.well-known\/openid-configuration$/;
const KEYS_PATH = '/discovery/v2.0/keys';

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}

export interface LocalTokenOptions {
  dataDir: string;
  /** `aud`: the API's client id. */
  clientId: string;
  roles?: string[];
  /** Delegated scopes of a user token; default [LOCAL_DEFAULT_SCOPE]. Ignored for app tokens. */
  scopes?: string[];
  /** `tid`; default LOCAL_TENANT_ID. */
  tenantId?: string;
  /** `oid`; default LOCAL_USER_OBJECT_ID (LOCAL_APP_OBJECT_ID for app tokens). */
  objectId?: string;
  /** An app-only (client credentials) token: `idtyp` app, no `scp`, `sub` = `oid`. */
  app?: boolean;
  /** Lifetime in jose's time-span syntax; default '1h'. */
  expiresIn?: string;
  /** Display name of a user token; default 'Local Developer'. */
  name?: string;
  /** Group object ids (`groups` claim); default none. */
  groups?: string[];
  /** `iat` (and `nbf`) in seconds since the epoch; default now. */
  issuedAt?: number;
  /** Token version: '2.0' (default) or '1.0' (issuer `https://sts.windows.net/{tid}/`, as Entra's v1 endpoint). */
  version?: '1.0' | '2.0';
  /** Private RS256 JWK with a `kid` to sign with instead of the issuer's own key (key-rotation tests). */
  signingKey?: JWK;
}

/** Signs an access token in the Entra v2 shape with the local issuer's key. */
export async function signLocalToken(opts: LocalTokenOptions): Promise<string> {
  const app = opts.app ?? false;
  const tenantId = (opts.tenantId ?? LOCAL_TENANT_ID).toLowerCase();
  const objectId = (opts.objectId ?? (app ? LOCAL_APP_OBJECT_ID : LOCAL_USER_OBJECT_ID)).toLowerCase();
  if (!GUID.test(tenantId)) throw new TypeError('tenantId must be a GUID');
  if (!GUID.test(objectId)) throw new TypeError('objectId must be a GUID');
  const privateJwk = opts.signingKey ?? (await loadOrCreateIssuerKey(opts.dataDir)).privateJwk;
  const now = opts.issuedAt ?? Math.floor(Date.now() / 1000);
  const version = opts.version ?? '2.0';
  const key = await importJWK(privateJwk, KEY_ALGORITHM);
  const roles = opts.roles?.filter((role) => role.length > 0) ?? [];
  const scopes = opts.scopes?.filter((scope) => scope.length > 0) ?? [];
  const claims: Record<string, unknown> = {
    tid: tenantId,
    oid: objectId,
    azp: LOCAL_CALLER_CLIENT_ID,
    azpacr: '0',
    ver: version,
    uti: base64url.encode(randomUUID()),
    idtyp: app ? 'app' : 'user',
    ...(roles.length > 0 ? { roles } : {}),
    ...(opts.groups?.length ? { groups: opts.groups } : {}),
  };
  if (!app) {
    claims['scp'] = (scopes.length > 0 ? scopes : [LOCAL_DEFAULT_SCOPE]).join(' ');
    claims['name'] = opts.name ?? 'Local Developer';
    claims['preferred_username'] = 'developer@navius.local';
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: KEY_ALGORITHM, typ: 'JWT', kid: privateJwk.kid })
    .setIssuer((version === '1.0' ? V1_ISSUER_TEMPLATE : LOCAL_ISSUER_TEMPLATE).replace('{tenantid}', tenantId))
    .setAudience(opts.clientId)
    .setSubject(app ? objectId : pairwiseSubject(tenantId, objectId, opts.clientId))
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(opts.expiresIn ?? '1h')
    .sign(key);
}

/** Entra's user `sub` is opaque and differs per application; derive a stable one the same way. */
function pairwiseSubject(tenantId: string, objectId: string, clientId: string): string {
  return base64url.encode(createHash('sha256').update(`${tenantId}:${objectId}:${clientId}`).digest()).slice(0, 43);
}

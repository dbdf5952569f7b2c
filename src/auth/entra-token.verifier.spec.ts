import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthenticatedError, UnavailableError } from '../errors/domain-errors';
import {
  LOCAL_ISSUER_TEMPLATE,
  LOCAL_TENANT_ID,
  LocalIssuer,
  loadOrCreateIssuerKey,
  signLocalToken,
} from '../local/local-issuer';
import type { TokenRefusedError } from './auth.errors';
import type { AuthModuleOptions } from './auth.module-definition';
import { EntraTokenVerifier } from './entra-token.verifier';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';
const USER_OID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SKEW = 60;

let dataDir: string;
let issuer: LocalIssuer;
let issuerKey: KeyObject;
let issuerKid: string;
let attackerKey: KeyObject;
let attackerPublicJwk: JWK;

function options(overrides: Partial<AuthModuleOptions> = {}): AuthModuleOptions {
  return {
    authorityHost: issuer.authorityHost,
    tenantId: LOCAL_TENANT_ID,
    clientId: CLIENT_ID,
    audiences: [CLIENT_ID, `api://${CLIENT_ID}`],
    allowedTenants: [],
    clockSkewSeconds: SKEW,
    roleMap: { 'Documents.Read': ['Documents.Read'], 'Audit.Read': ['Audit.Read'] },
    scopeMap: { 'Documents.Read': ['Documents.Read'], 'Documents.ReadWrite': ['Documents.Read', 'Documents.Write'] },
    allowHttpAuthority: true,
    ...overrides,
  };
}

const now = () => Math.floor(Date.now() / 1000);
const issuerFor = (tenant: string) => LOCAL_ISSUER_TEMPLATE.replace('{tenantid}', tenant);

function userClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: CLIENT_ID,
    iss: issuerFor(LOCAL_TENANT_ID),
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    tid: LOCAL_TENANT_ID,
    oid: USER_OID,
    sub: 'pairwise-subject',
    ver: '2.0',
    scp: 'Documents.Read',
    ...overrides,
  };
}

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

/** Signs any header and payload with RS256, bypassing every check a JWT library would make. */
function signRaw(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${base64url.encode(signature)}`;
}

const issuerSigned = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  signRaw({ alg: 'RS256', typ: 'JWT', kid: issuerKid, ...header }, payload, issuerKey);

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (err: unknown) => err,
  );
}

async function expectRefused(verifier: EntraTokenVerifier, token: string, reason: string): Promise<void> {
  const err = await refusal(verifier.verify(token));
  expect(err).toBeInstanceOf(UnauthenticatedError);
  expect((err as UnauthenticatedError).reason).toBe(reason);
  expect((err as UnauthenticatedError).message).not.toContain(token.slice(0, 20));
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'navius-verifier-'));
  issuer = await LocalIssuer.start({ dataDir });
  const { privateJwk } = await loadOrCreateIssuerKey(dataDir);
  issuerKey = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  issuerKid = privateJwk.kid ?? '';
  const attacker = await generateKeyPair('RS256', { extractable: true });
  attackerKey = createPrivateKey({
    key: (await exportJWK(attacker.privateKey)) as import('node:crypto').JsonWebKey,
    format: 'jwk',
  });
  attackerPublicJwk = await exportJWK(attacker.publicKey);
});

afterAll(async () => {
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('EntraTokenVerifier: accepted tokens', () => {
  it('accepts a local user token and maps scopes and user-assigned roles to permissions', async () => {
    const verifier = new EntraTokenVerifier(options());
    const token = await signLocalToken({
      dataDir,
      clientId: CLIENT_ID,
      scopes: ['Documents.ReadWrite'],
      roles: ['Audit.Read'],
      name: 'Ada',
    });
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({
      tenantId: LOCAL_TENANT_ID,
      name: 'Ada',
      roles: ['Audit.Read'],
      scopes: ['Documents.ReadWrite'],
      appOnly: false,
      permissions: ['Audit.Read', 'Documents.Read', 'Documents.Write'],
    });
    expect(principal.subject).not.toBe(principal.objectId);
    expect(principal.issuedAt).toBeGreaterThan(now() - 60);
  });

  it('accepts an app token: roles through roleMap only, subject is the object id', async () => {
    const verifier = new EntraTokenVerifier(options());
    const token = await signLocalToken({ dataDir, clientId: CLIENT_ID, app: true, roles: ['Documents.Read', 'Nope'] });
    const principal = await verifier.verify(token);
    expect(principal.appOnly).toBe(true);
    expect(principal.scopes).toEqual([]);
    expect(principal.permissions).toEqual(['Documents.Read']);
    expect(principal.subject).toBe(principal.objectId);
  });

  it('accepts the api:// audience and a token expired within the clock skew', async () => {
    const verifier = new EntraTokenVerifier(options());
    const token = issuerSigned(userClaims({ aud: `api://${CLIENT_ID}`, exp: now() - 10 }));
    expect((await verifier.verify(token)).permissions).toEqual(['Documents.Read']);
  });

  it('accepts any GUID tenant with allowedTenants * in multi-tenant mode', async () => {
    const verifier = new EntraTokenVerifier(options({ tenantId: 'organizations', allowedTenants: '*' }));
    const token = await signLocalToken({ dataDir, clientId: CLIENT_ID, tenantId: OTHER_TENANT });
    expect((await verifier.verify(token)).tenantId).toBe(OTHER_TENANT);
  });

  it('maps group ids (groups) and directory role ids (wids) through groupMap, case-insensitively', async () => {
    const group = 'ABCDEF01-2345-4678-89AB-CDEF01234567';
    const directoryRole = '62e90394-69f5-4237-9190-012177145e10';
    const verifier = new EntraTokenVerifier(
      options({ groupMap: { [group.toLowerCase()]: ['Documents.Write'], [directoryRole]: ['Sessions.Revoke'] } }),
    );
    const token = issuerSigned(
      userClaims({ groups: [group, 'ffffffff-0000-4000-8000-000000000000'], wids: [directoryRole] }),
    );
    expect((await verifier.verify(token)).permissions).toEqual([
      'Documents.Read',
      'Documents.Write',
      'Sessions.Revoke',
    ]);
  });

  it('accepts a v1.0 token (issuer sts.windows.net) only when acceptV1Tokens is on', async () => {
    const v1 = userClaims({
      iss: `https://sts.windows.net/${LOCAL_TENANT_ID}/`,
      ver: '1.0',
      aud: `api://${CLIENT_ID}`,
    });
    const principal = await new EntraTokenVerifier(options({ acceptV1Tokens: true })).verify(issuerSigned(v1));
    expect(principal).toMatchObject({ tenantId: LOCAL_TENANT_ID, objectId: USER_OID, permissions: ['Documents.Read'] });
  });

  it('ignores role names that collide with Object.prototype members', async () => {
    const verifier = new EntraTokenVerifier(options());
    const token = issuerSigned(userClaims({ scp: undefined, roles: ['constructor', '__proto__', 'toString'] }));
    expect((await verifier.verify(token)).permissions).toEqual([]);
  });
});

describe('EntraTokenVerifier: refused signatures and headers', () => {
  let verifier: EntraTokenVerifier;
  beforeAll(() => {
    verifier = new EntraTokenVerifier(options());
  });

  it('refuses alg none', async () => {
    const token = `${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson(userClaims())}.`;
    await expectRefused(verifier, token, 'unsupported_algorithm');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify((await loadOrCreateIssuerKey(dataDir)).publicJwk));
    const token = await new SignJWT(userClaims()).setProtectedHeader({ alg: 'HS256', kid: issuerKid }).sign(secret);
    await expectRefused(verifier, token, 'unsupported_algorithm');
  });

  it('refuses an altered signature', async () => {
    const token = issuerSigned(userClaims());
    const [header, payload, signature = ''] = token.split('.');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const altered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    await expectRefused(verifier, altered, 'invalid_signature');
  });

  it('refuses an altered payload', async () => {
    const [header, , signature] = issuerSigned(userClaims()).split('.');
    const altered = `${header}.${encodeJson(userClaims({ scp: 'Documents.ReadWrite' }))}.${signature}`;
    await expectRefused(verifier, altered, 'invalid_signature');
  });

  it('refuses an unknown kid', async () => {
    await expectRefused(
      verifier,
      signRaw({ alg: 'RS256', kid: 'not-a-known-key' }, userClaims(), attackerKey),
      'unknown_key',
    );
  });

  it("refuses another key presenting the issuer's kid", async () => {
    await expectRefused(
      verifier,
      signRaw({ alg: 'RS256', kid: issuerKid }, userClaims(), attackerKey),
      'invalid_signature',
    );
  });

  it.each([
    ['jku', () => ({ jku: 'https://attacker.example/keys' })],
    ['x5u', () => ({ x5u: 'https://attacker.example/cert.pem' })],
    ['jwk', () => ({ jwk: attackerPublicJwk })],
    ['crit', () => ({ crit: ['exp'], exp: now() + 60 })],
  ])('refuses a %s header even on a correctly signed token', async (_name, extra) => {
    await expectRefused(verifier, issuerSigned(userClaims(), extra()), 'refused_header');
  });

  it('refuses an embedded jwk that would vouch for its own signature', async () => {
    const token = signRaw({ alg: 'RS256', jwk: attackerPublicJwk }, userClaims(), attackerKey);
    await expectRefused(verifier, token, 'refused_header');
  });

  it('refuses a stripped signature', async () => {
    const [header, payload] = issuerSigned(userClaims()).split('.');
    await expectRefused(verifier, `${header}.${payload}.`, 'invalid_signature');
  });

  it.each(['RS384', 'RS512', 'PS256', 'ES256', 'EdDSA'])('refuses alg %s (RS256 only)', async (alg) => {
    await expectRefused(verifier, signRaw({ alg, kid: issuerKid }, userClaims(), issuerKey), 'unsupported_algorithm');
  });

  it('refuses an x5c certificate chain in the header', async () => {
    await expectRefused(verifier, issuerSigned(userClaims(), { x5c: ['MIIBIjAN'] }), 'refused_header');
  });

  it('refuses a JWE (five segments) and a header that is not JSON', async () => {
    await expectRefused(verifier, 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', 'malformed_token');
    await expectRefused(verifier, `${base64url.encode('not json')}.${encodeJson(userClaims())}.sig`, 'malformed_token');
  });

  it('refuses garbage and oversized tokens before parsing', async () => {
    await expectRefused(verifier, 'not-a-jwt', 'malformed_token');
    const huge = issuerSigned(userClaims({ roles: Array.from({ length: 2000 }, (_, i) => `Role.${i}`) }));
    expect(huge.length).toBeGreaterThan(16 * 1024);
    await expectRefused(verifier, huge, 'token_too_large');
    const small = new EntraTokenVerifier(options({ maxTokenBytes: 64 }));
    await expectRefused(small, issuerSigned(userClaims()), 'token_too_large');
  });
});

describe('EntraTokenVerifier: refused claims', () => {
  let verifier: EntraTokenVerifier;
  beforeAll(() => {
    verifier = new EntraTokenVerifier(options());
  });

  it('refuses a token expired beyond the clock skew', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ exp: now() - SKEW - 30 })), 'token_expired');
  });

  it('refuses a token whose nbf is beyond the clock skew', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ nbf: now() + SKEW + 30 })), 'token_not_yet_valid');
  });

  it('refuses a token without exp', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ exp: undefined })), 'missing_claim');
  });

  it('refuses a wrong issuer', async () => {
    const iss = `https://login.microsoftonline.com/${LOCAL_TENANT_ID}/v2.0`;
    await expectRefused(verifier, issuerSigned(userClaims({ iss })), 'invalid_issuer');
  });

  it('refuses a wrong audience', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ aud: 'api://someone-else' })), 'invalid_audience');
  });

  it("refuses another tenant's token in single-tenant mode", async () => {
    const token = await signLocalToken({ dataDir, clientId: CLIENT_ID, tenantId: OTHER_TENANT });
    await expectRefused(verifier, token, 'tenant_not_allowed');
  });

  it('refuses a tenant outside allowedTenants in multi-tenant mode', async () => {
    const multi = new EntraTokenVerifier(options({ tenantId: 'organizations', allowedTenants: [LOCAL_TENANT_ID] }));
    expect((await multi.verify(await signLocalToken({ dataDir, clientId: CLIENT_ID }))).tenantId).toBe(LOCAL_TENANT_ID);
    const token = await signLocalToken({ dataDir, clientId: CLIENT_ID, tenantId: OTHER_TENANT });
    await expectRefused(multi, token, 'tenant_not_allowed');
  });

  it('refuses a token whose iss and tid disagree', async () => {
    const multi = new EntraTokenVerifier(options({ tenantId: 'organizations', allowedTenants: '*' }));
    const token = issuerSigned(userClaims({ tid: OTHER_TENANT, iss: issuerFor(LOCAL_TENANT_ID) }));
    await expectRefused(multi, token, 'invalid_issuer');
  });

  it('refuses a non-GUID tid', async () => {
    const multi = new EntraTokenVerifier(options({ tenantId: 'organizations', allowedTenants: '*' }));
    const token = issuerSigned(userClaims({ tid: 'contoso', iss: issuerFor('contoso') }));
    await expectRefused(multi, token, 'invalid_tenant');
  });

  it('refuses a token with neither scp nor roles', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ scp: undefined })), 'no_scopes_or_roles');
    await expectRefused(verifier, issuerSigned(userClaims({ scp: '', roles: [] })), 'no_scopes_or_roles');
  });

  it('refuses a token without iat, with iat in the future, or issued longer ago than maxTokenAgeSeconds', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ iat: undefined })), 'missing_claim');
    await expectRefused(verifier, issuerSigned(userClaims({ iat: now() + SKEW + 60 })), 'invalid_claims');
    const young = new EntraTokenVerifier(options({ maxTokenAgeSeconds: 600 }));
    await expectRefused(young, issuerSigned(userClaims({ iat: now() - 600 - SKEW - 30 })), 'token_expired');
    expect((await young.verify(issuerSigned(userClaims({ iat: now() - 300 })))).objectId).toBe(USER_OID);
  });

  it('refuses a v1.0 token while acceptV1Tokens is off', async () => {
    const iss = `https://sts.windows.net/${LOCAL_TENANT_ID}/`;
    await expectRefused(verifier, issuerSigned(userClaims({ iss, ver: '1.0' })), 'v1_token_refused');
  });

  it('refuses a v1 issuer of another tenant, and a ver that contradicts the issuer', async () => {
    const v1 = new EntraTokenVerifier(options({ acceptV1Tokens: true }));
    const foreignIss = `https://sts.windows.net/${OTHER_TENANT}/`;
    await expectRefused(v1, issuerSigned(userClaims({ iss: foreignIss, ver: '1.0' })), 'invalid_issuer');
    const iss = `https://sts.windows.net/${LOCAL_TENANT_ID}/`;
    await expectRefused(v1, issuerSigned(userClaims({ iss, ver: '2.0' })), 'invalid_issuer');
    await expectRefused(v1, issuerSigned(userClaims({ ver: '1.0' })), 'invalid_issuer');
  });

  it('names the caller of a refusal only when the signature verified', async () => {
    const expired = await refusal(verifier.verify(issuerSigned(userClaims({ exp: now() - SKEW - 30 }))));
    expect((expired as TokenRefusedError).caller).toEqual({ tenantId: LOCAL_TENANT_ID, objectId: USER_OID });
    const forged = await refusal(verifier.verify(signRaw({ alg: 'RS256', kid: issuerKid }, userClaims(), attackerKey)));
    expect((forged as TokenRefusedError).caller).toEqual({});
  });

  it('refuses a token without an oid', async () => {
    await expectRefused(verifier, issuerSigned(userClaims({ oid: undefined })), 'invalid_claims');
  });
});

describe('EntraTokenVerifier: metadata and keys', () => {
  it('answers UnavailableError while the metadata is unreachable, and recovers once it is back', async () => {
    const probe = await LocalIssuer.start({ dataDir });
    const port = Number(new URL(probe.authorityHost).port);
    await probe.stop();
    const verifier = new EntraTokenVerifier(
      options({ authorityHost: `http://127.0.0.1:${port}`, httpTimeoutMs: 1000 }),
    );
    const token = await signLocalToken({ dataDir, clientId: CLIENT_ID });

    const err = await refusal(verifier.verify(token));
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).dependency).toBe('token-keys');
    await expect(verifier.ensureKeys()).rejects.toBeInstanceOf(UnavailableError);

    const revived = await LocalIssuer.start({ dataDir, port });
    try {
      await expect(verifier.ensureKeys()).resolves.toBeUndefined();
      expect((await verifier.verify(token)).objectId).toBeTruthy();
    } finally {
      await revived.stop();
    }
  });

  it('refuses an http:// authority unless allowHttpAuthority, and * tenants outside local', () => {
    expect(() => new EntraTokenVerifier(options({ allowHttpAuthority: false }))).toThrow(/https/);
    expect(
      () =>
        new EntraTokenVerifier(
          options({
            authorityHost: 'https://login.microsoftonline.com',
            tenantId: 'common',
            allowedTenants: '*',
            allowHttpAuthority: false,
          }),
        ),
    ).toThrow(/local dev issuer/);
  });
});

import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_TENANT_ID, LocalIssuer, loadOrCreateIssuerKey, signLocalToken } from '../local/local-issuer';
import { TokenRefusedError } from './auth.errors';
import type { AuthModuleOptions } from './auth.module-definition';
import { nextRefreshDelay } from './entra-signing-keys';
import { EntraTokenVerifier } from './entra-token.verifier';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const HOUR = 3_600_000;

let dataDir: string;
let ownPublicKey: JWK;
let rotatedKey: JWK;
const cleanups: (() => Promise<void> | void)[] = [];

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

async function startIssuer(): Promise<LocalIssuer> {
  const issuer = await LocalIssuer.start({ dataDir });
  cleanups.push(() => issuer.stop().catch(() => undefined));
  return issuer;
}

function verifierFor(issuer: LocalIssuer, overrides: Partial<AuthModuleOptions> = {}): EntraTokenVerifier {
  const verifier = new EntraTokenVerifier({
    authorityHost: issuer.authorityHost,
    tenantId: LOCAL_TENANT_ID,
    clientId: CLIENT_ID,
    audiences: [CLIENT_ID],
    allowedTenants: [],
    clockSkewSeconds: 60,
    roleMap: {},
    scopeMap: { 'Documents.Read': ['Documents.Read'] },
    allowHttpAuthority: true,
    httpTimeoutMs: 2_000,
    ...overrides,
  });
  cleanups.push(() => verifier.onModuleDestroy());
  return verifier;
}

const token = (signingKey?: JWK) =>
  signLocalToken({ dataDir, clientId: CLIENT_ID, scopes: ['Documents.Read'], signingKey });

/** Tokens each naming a kid no JWKS has ever published, signed by a key the issuer never published either. */
async function unknownKidTokens(count: number): Promise<string[]> {
  const stranger = await newSigningKey();
  return Promise.all(Array.from({ length: count }, (_, i) => token({ ...stranger, kid: `unknown-${i}` })));
}

async function expectAllUnknownKey(verifier: EntraTokenVerifier, tokens: string[]): Promise<void> {
  const outcomes = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
  for (const outcome of outcomes) {
    expect(outcome.status).toBe('rejected');
    const reason = (outcome as PromiseRejectedResult).reason as TokenRefusedError;
    expect(reason).toBeInstanceOf(TokenRefusedError);
    expect(reason.reason).toBe('unknown_key');
  }
}

const fetches = (issuer: LocalIssuer) => issuer.requests.discovery + issuer.requests.jwks;

beforeAll(async () => {
  // The refresh failures below are expected; their warnings would only clutter the run.
  Logger.overrideLogger(false);
  dataDir = await mkdtemp(join(tmpdir(), 'navius-keys-'));
  ownPublicKey = (await loadOrCreateIssuerKey(dataDir)).publicJwk;
  rotatedKey = await newSigningKey();
});

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('EntraSigningKeys: refresh schedule', () => {
  it('waits between 1× and 2× the interval: 12–24 h by default', () => {
    expect(nextRefreshDelay(12 * HOUR, 0)).toBe(12 * HOUR);
    expect(nextRefreshDelay(12 * HOUR, 0.5)).toBe(18 * HOUR);
    expect(nextRefreshDelay(12 * HOUR, 0.999_999)).toBeLessThan(24 * HOUR);
    const delays = Array.from({ length: 200 }, () => nextRefreshDelay(12 * HOUR));
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(12 * HOUR);
    expect(Math.max(...delays)).toBeLessThan(24 * HOUR);
  });

  it('refetches metadata and keys in the background and picks up a rotated key with no request asking', async () => {
    const issuer = await startIssuer();
    // Unknown kids may not trigger a refetch here (cooldown of an hour): only the background refresh can help.
    const verifier = verifierFor(issuer, { keysRefreshIntervalMs: 50, jwksCooldownMs: HOUR });
    expect((await verifier.verify(await token())).tenantId).toBe(LOCAL_TENANT_ID);
    await expectAllUnknownKey(verifier, [await token(rotatedKey)]);

    issuer.publishKeys([ownPublicKey, rotatedKey]);
    const before = { ...issuer.requests };
    await expect.poll(() => issuer.requests.jwks, { timeout: 20_000 }).toBeGreaterThan(before.jwks);
    expect(issuer.requests.discovery).toBeGreaterThan(before.discovery);
    await expect
      .poll(async () => (await verifier.verify(await token(rotatedKey)).catch(() => undefined))?.tenantId, {
        timeout: 20_000,
      })
      .toBe(LOCAL_TENANT_ID);
  });
});

describe('EntraSigningKeys: key rotation and outages', () => {
  it('accepts a key rotated in after start-up through one unknown-kid refetch, without a restart', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer, { jwksCooldownMs: 0 });
    const before = await token();
    expect((await verifier.verify(before)).tenantId).toBe(LOCAL_TENANT_ID);
    expect(issuer.requests.jwks).toBe(1);

    issuer.publishKeys([ownPublicKey, rotatedKey]);
    expect((await verifier.verify(await token(rotatedKey))).tenantId).toBe(LOCAL_TENANT_ID);
    expect(issuer.requests.jwks).toBe(2);
    // Known kids resolve from memory: no fetch per request.
    await verifier.verify(before);
    await verifier.verify(await token(rotatedKey));
    expect(issuer.requests.jwks).toBe(2);

    // The old key retired: once a refresh sees it gone, its tokens are refused.
    issuer.publishKeys([rotatedKey]);
    expect(await verifier.refreshKeys()).toBe(true);
    await expectAllUnknownKey(verifier, [before]);
  });

  it('keeps verifying with the last known keys while the issuer answers 503 or is gone', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer, { jwksCooldownMs: 0 });
    const known = await token();
    await verifier.verify(known);

    issuer.outage = true;
    expect(await verifier.refreshKeys()).toBe(false);
    expect((await verifier.verify(known)).tenantId).toBe(LOCAL_TENANT_ID);
    await expect(verifier.ensureKeys()).resolves.toBeUndefined();
    // A kid rotated in during the outage cannot be fetched: refused as unknown, never a 503 or a crash.
    issuer.publishKeys([ownPublicKey, rotatedKey]);
    await expectAllUnknownKey(verifier, [await token(rotatedKey)]);

    await issuer.stop();
    expect(await verifier.refreshKeys()).toBe(false);
    expect((await verifier.verify(known)).tenantId).toBe(LOCAL_TENANT_ID);
  });

  it('holds the refetch cooldown under a flood of unknown kids: one shared fetch per cooldown, even when it fails', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer, { jwksCooldownMs: 60_000 });
    await verifier.verify(await token());
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });

    // Within the cooldown of the start-up fetch: no fetch at all.
    await expectAllUnknownKey(verifier, await unknownKidTokens(200));
    expect(fetches(issuer)).toBe(2);

    // Past the cooldown: 200 concurrent unknown kids share exactly one metadata and one JWKS fetch.
    vi.advanceTimersByTime(60_001);
    await expectAllUnknownKey(verifier, await unknownKidTokens(200));
    expect(issuer.requests).toEqual({ discovery: 2, jwks: 2 });
    // And the next flood, one at a time, fetches nothing.
    for (const t of await unknownKidTokens(50)) await expectAllUnknownKey(verifier, [t]);
    expect(fetches(issuer)).toBe(4);

    // A failed fetch counts too: an outage is not hammered either.
    issuer.outage = true;
    vi.advanceTimersByTime(60_001);
    await expectAllUnknownKey(verifier, await unknownKidTokens(200));
    for (const t of await unknownKidTokens(50)) await expectAllUnknownKey(verifier, [t]);
    expect(issuer.requests.discovery).toBe(3);
    expect(issuer.requests.jwks).toBe(2);

    // Known keys were never affected.
    expect((await verifier.verify(await token())).tenantId).toBe(LOCAL_TENANT_ID);
  });
});

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_TENANT_ID,
  LOCAL_USER_OBJECT_ID,
  LocalIssuer,
  signLocalToken,
  type LocalTokenOptions,
} from '../src/local/local-issuer';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';
import { startProcess } from './support/process';

const REDIS_URL = 'redis://127.0.0.1:6379';
const CLIENT_ID = '7c1f3e2a-5b4d-4c6e-8f9a-0b1c2d3e4f50';
const OTHER_TENANT = '3f1c8a52-9d4e-4b7a-8c21-6e5f4d3c2b1a';
const OTHER_USER = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';

type TokenOptions = Omit<LocalTokenOptions, 'dataDir' | 'clientId'>;

const revokeBody = (objectId = LOCAL_USER_OBJECT_ID, tenantId = LOCAL_TENANT_ID) => ({ tenantId, objectId });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An app in this process or a service process: what the helpers below need. */
type Instance = Pick<TestApp, 'url'>;

/** What readiness reports about past session revocations: `synced` once loaded from Redis. */
async function revocationsState(app: Instance): Promise<unknown> {
  const ready = await call(`${app.url}/health/ready`);
  const details = (ready.body['details'] ?? ready.body['checks']) as
    Record<string, { revocations?: string }> | undefined;
  return details?.['token-keys']?.revocations;
}

async function me(app: Instance, token: string): Promise<number> {
  return (await call(`${app.url}/v1/me`, { token })).status;
}

describe('auth in the local profile (embedded issuer, in-process revocations)', () => {
  let app: TestApp;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir();
    app = await startApp({ LOCAL_DATA_DIR: dir.path });
    cleanup = async () => {
      await app.close();
      await dir.remove();
    };
  });
  afterAll(async () => cleanup?.());

  it('GET /v1/me answers the principal and 401 with invalid_token without one', async () => {
    const ok = await call(`${app.url}/v1/me`, { token: await app.token({ scopes: ['Documents.Read'] }) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ tenantId: LOCAL_TENANT_ID, objectId: LOCAL_USER_OBJECT_ID, appOnly: false });
    const refused = await call(`${app.url}/v1/me`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('revokes a user: earlier tokens 401 at once (even cached), later tokens and other users unaffected', async () => {
    const admin = await app.token({ app: true, roles: ['Sessions.Revoke'] });
    const user = await app.token({ scopes: ['Documents.Read'] });
    const otherUser = await app.token({ scopes: ['Documents.Read'], objectId: OTHER_USER });
    expect(await me(app, user)).toBe(200);

    const revoked = await call(`${app.url}/v1/admin/sessions/revoke`, {
      method: 'POST',
      token: admin,
      json: revokeBody(),
    });
    expect(revoked.status).toBe(202);
    expect(revoked.body).toMatchObject({ tenantId: LOCAL_TENANT_ID, objectId: LOCAL_USER_OBJECT_ID });
    const revokedAt = Math.floor(Date.parse(String(revoked.body['revokedAt'])) / 1000);

    const refused = await call(`${app.url}/v1/me`, { token: user });
    expect(refused.status).toBe(401);
    expect(refused.body['detail']).toMatch(/revoked/);
    expect(await me(app, otherUser)).toBe(200);
    expect(await me(app, await app.token({ scopes: ['Documents.Read'], issuedAt: revokedAt + 1 }))).toBe(200);
  });

  it('guards the revoke route: permission, own tenant only, validated body', async () => {
    const revoke = async (token: string, json: unknown) =>
      call(`${app.url}/v1/admin/sessions/revoke`, { method: 'POST', token, json });
    const reader = await app.token({ app: true, roles: ['Documents.Read'] });
    expect((await revoke(reader, revokeBody(OTHER_USER))).status).toBe(403);

    const admin = await app.token({ app: true, roles: ['Sessions.Revoke'] });
    const crossTenant = await revoke(admin, revokeBody(OTHER_USER, OTHER_TENANT));
    expect(crossTenant.status).toBe(403);
    expect(crossTenant.body['detail']).toMatch(/own tenant/);

    const invalid = await revoke(admin, { tenantId: 'contoso', objectId: OTHER_USER, extra: true });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await me(app, await app.token({ scopes: ['Documents.Read'], objectId: OTHER_USER }))).toBe(200);
  });
});

// Separate processes, as in production: Passport keeps strategies in one process-wide registry, so two apps in
// one process would share the last-registered strategy (and its revocation state) and prove nothing.
describe('revocation across instances (processes) sharing Redis and one external issuer', () => {
  const prefix = `t-auth-${randomUUID()}:`;
  const cleanups: (() => Promise<void>)[] = [];
  let issuerDir: Awaited<ReturnType<typeof tempDir>>;
  let issuer: LocalIssuer;
  let redis: Redis;

  const token = (options: TokenOptions = {}) =>
    signLocalToken({ dataDir: issuerDir.path, clientId: CLIENT_ID, ...options });

  async function instance(): Promise<Instance> {
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    const service = await startProcess({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ENTRA_AUTHORITY_HOST: issuer.authorityHost,
      ENTRA_TENANT_ID: LOCAL_TENANT_ID,
      ENTRA_CLIENT_ID: CLIENT_ID,
    });
    cleanups.push(async () => {
      service.child.kill('SIGTERM');
      await service.exited;
      await Promise.all([database.drop(), dir.remove()]);
    });
    // Start-up waits for past revocations only briefly; on a busy machine the first load may come later.
    await expect.poll(() => revocationsState(service), { timeout: 20_000 }).toBe('synced');
    return service;
  }

  beforeAll(async () => {
    issuerDir = await tempDir();
    issuer = await LocalIssuer.start({ dataDir: issuerDir.path });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await issuer?.stop();
    await issuerDir?.remove();
  });

  // Three service processes start here; on a shared machine each can take a while.
  it(
    'a revocation on one instance is refused by the other, and by an instance started later',
    { timeout: 180_000 },
    async () => {
      const [first, second] = await Promise.all([instance(), instance()]);
      const user = await token({ scopes: ['Documents.Read'] });
      expect(await me(first, user)).toBe(200);
      // The second instance has the token in its claims cache from here on.
      expect(await me(second, user)).toBe(200);
      expect(await me(second, user)).toBe(200);

      const admin = await token({ app: true, roles: ['Sessions.Revoke'] });
      const revoked = await call(`${first.url}/v1/admin/sessions/revoke`, {
        method: 'POST',
        token: admin,
        json: revokeBody(),
      });
      expect(revoked.status).toBe(202);
      expect(await me(first, user)).toBe(401);
      await expect.poll(() => me(second, user), { timeout: 10_000, interval: 20 }).toBe(401);

      const ttl = await redis.pttl(`${prefix}auth:revoked-sessions`);
      expect(ttl).toBeGreaterThan(27 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual((28 * 3_600 + 300) * 1000);

      const third = await instance();
      expect(await me(third, user)).toBe(401);
      const later = await token({ scopes: ['Documents.Read'], issuedAt: nowSeconds() + 1 });
      for (const service of [first, second, third]) expect(await me(service, later)).toBe(200);
      expect(await me(third, await token({ scopes: ['Documents.Read'], objectId: OTHER_USER }))).toBe(200);
    },
  );
});

describe('revocation while the configured Redis is unreachable', () => {
  let app: TestApp;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    // Port 1 on loopback refuses connections: Redis configured but down.
    app = await startApp({ LOCAL_DATA_DIR: dir.path, DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1' });
    cleanup = async () => {
      await app.close();
      await Promise.all([database.drop(), dir.remove()]);
    };
  });
  afterAll(async () => cleanup?.());

  it('keeps authenticating, answers the revocation 503 with Retry-After, and still refuses locally', async () => {
    const user = await app.token({ scopes: ['Documents.Read'] });
    expect(await me(app, user)).toBe(200);
    const admin = await app.token({ app: true, roles: ['Sessions.Revoke'] });
    const revoked = await call(`${app.url}/v1/admin/sessions/revoke`, {
      method: 'POST',
      token: admin,
      json: revokeBody(),
    });
    expect(revoked.status).toBe(503);
    expect(revoked.headers.get('retry-after')).toBe('1');
    expect(await me(app, user)).toBe(401);
    expect(await me(app, admin)).toBe(200);
  });
});

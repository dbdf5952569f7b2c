import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditReader } from '../src/audit/audit.reader';
import { AuditSecurityEventSink } from '../src/audit/audit.security-sink';
import { AuditWriter } from '../src/audit/audit.writer';
import { SECURITY_EVENT_SINK, type SecurityEventSink } from '../src/audit/security-events';
import { ConfigError, parseConfig } from '../src/config/app-config';
import { LOCAL_TENANT_ID, LOCAL_USER_OBJECT_ID } from '../src/local/local-issuer';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';

const OTHER_TENANT = '3f1c8a52-9d4e-4b7a-8c21-6e5f4d3c2b1a';
const UA = 'audit-e2e/1.0 (+tests)';

interface EventItem {
  id: string;
  type: string;
  outcome: string;
  actor: { tenantId: string | null; objectId: string | null; appId: string | null };
  method: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
  userAgent: string | null;
  traceId: string | null;
  details: Record<string, unknown>;
}

const modes = [
  { name: 'the embedded PGlite', env: async () => ({ env: {}, drop: async () => {} }) },
  {
    name: 'the real PostgreSQL',
    env: async () => {
      const database = await freshDatabase();
      return { env: { DATABASE_URL: database.url }, drop: database.drop };
    },
  },
];

describe.each(modes)('the audit API on $name', (mode) => {
  let app: TestApp;
  let cleanup: () => Promise<void>;
  let auditor: string;
  let otherAuditor: string;
  let reader: string;
  const missingId = randomUUID();

  const flush = () => app.running.app.get(AuditWriter).flush();
  const events = async (query: string, token = auditor) => {
    const answer = await call(`${app.url}/v1/audit/events${query}`, { token });
    expect(answer.status).toBe(200);
    return answer.body as { items: EventItem[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    const dir = await tempDir();
    const { env, drop } = await mode.env();
    app = await startApp({ LOCAL_DATA_DIR: dir.path, ...env });
    cleanup = async () => {
      await app.close();
      await drop();
      await dir.remove();
    };
    auditor = await app.token({ roles: ['Audit.Read'] });
    otherAuditor = await app.token({ roles: ['Audit.Read', 'Documents.Read'], tenantId: OTHER_TENANT });
    reader = await app.token({ roles: ['Documents.Read'] });

    const headers = (id: string) => ({ 'x-request-id': id, 'user-agent': UA });
    expect((await call(`${app.url}/v1/me`, { token: reader, headers: headers('audit-me') })).status).toBe(200);
    expect(
      (await call(`${app.url}/v1/documents/${missingId}`, { token: reader, headers: headers('audit-404') })).status,
    ).toBe(404);
    expect((await call(`${app.url}/v1/documents`, { headers: headers('audit-401') })).status).toBe(401);
    expect((await call(`${app.url}/v1/audit/verify`, { token: reader, headers: headers('audit-403') })).status).toBe(
      403,
    );
    expect(
      (await call(`${app.url}/v1/documents`, { token: otherAuditor, headers: headers('audit-other') })).status,
    ).toBe(200);
    await flush();
  });

  afterAll(async () => cleanup?.());

  it("records each answered request with who, what, when, from where and the trace id, in the caller's tenant", async () => {
    const { items } = await events('?type=http.request&limit=500');
    const me = items.find((item) => item.details['requestId'] === 'audit-me');
    expect(me).toMatchObject({
      outcome: 'success',
      actor: { tenantId: LOCAL_TENANT_ID, objectId: LOCAL_USER_OBJECT_ID, appId: null },
      method: 'GET',
      route: '/v1/me',
      status: 200,
      ip: '127.0.0.1',
      userAgent: UA,
    });
    // The OpenTelemetry trace id when tracing is on, else the request id.
    expect(me?.traceId === 'audit-me' || /^[0-9a-f]{32}$/.test(me?.traceId ?? '')).toBe(true);
    const notFound = items.find((item) => item.details['requestId'] === 'audit-404');
    expect(notFound).toMatchObject({ route: '/v1/documents/:id', status: 404, outcome: 'failure' });
    expect(items.find((item) => item.details['requestId'] === 'audit-403')).toMatchObject({
      route: '/v1/audit/verify',
      status: 403,
      outcome: 'denied',
    });
    // Another tenant's requests and anonymous refusals are not this tenant's to see.
    const ids = items.map((item) => item.details['requestId']);
    expect(ids).not.toContain('audit-other');
    expect(ids).not.toContain('audit-401');
    expect(items.every((item) => item.actor.tenantId === LOCAL_TENANT_ID)).toBe(true);
  });

  it('records security events: 404s on document routes, refusals from the auth room, into the chain', async () => {
    const notFound = await events('?type=documents.not_found');
    expect(notFound.items).toHaveLength(1);
    expect(notFound.items[0]).toMatchObject({
      outcome: 'denied',
      actor: { tenantId: LOCAL_TENANT_ID },
      details: { documentId: missingId, requestId: 'audit-404' },
    });
    const denied = await events('?type=auth.access_denied');
    expect(denied.items.length).toBeGreaterThanOrEqual(1);
    expect(denied.items[0]).toMatchObject({ outcome: 'denied', actor: { tenantId: LOCAL_TENANT_ID } });
    expect(app.running.app.get<symbol, SecurityEventSink>(SECURITY_EVENT_SINK)).toBeInstanceOf(AuditSecurityEventSink);

    const other = await events('?limit=500', otherAuditor);
    expect(other.items.map((item) => item.details['requestId'])).toContain('audit-other');
    expect(other.items.every((item) => item.actor.tenantId === OTHER_TENANT)).toBe(true);
  });

  it("records a session revocation in the revoked user's tenant, naming that user, after the admin's request", async () => {
    const admin = await app.token({ roles: ['Sessions.Revoke'] });
    const revokedUser = randomUUID();
    const revoked = await call(`${app.url}/v1/admin/sessions/revoke`, {
      method: 'POST',
      token: admin,
      json: { tenantId: LOCAL_TENANT_ID, objectId: revokedUser },
      headers: { 'x-request-id': 'audit-revoke' },
    });
    expect(revoked.status).toBe(202);
    await flush();
    const { items } = await events('?type=auth.sessions_revoked');
    expect(items[0]).toMatchObject({
      outcome: 'success',
      actor: { tenantId: LOCAL_TENANT_ID, objectId: null },
      details: { revokedObjectId: revokedUser },
    });
    const request = (await events('?type=http.request&limit=500')).items.find(
      (item) => item.details['requestId'] === 'audit-revoke',
    );
    expect(request).toMatchObject({ route: '/v1/admin/sessions/revoke', method: 'POST', status: 202 });
    expect(request?.actor.objectId).toBe(LOCAL_USER_OBJECT_ID);
  });

  it('lets the home tenant of a single-tenant deployment also see refusals no tenant could be tied to', async () => {
    const readerService = app.running.app.get(AuditReader);
    const query = { limit: 500, type: 'http.request' };
    const home = await readerService.listEvents({ tenantId: LOCAL_TENANT_ID, includeUnattributed: true }, query);
    expect(home.items.map((item) => item.details['requestId'])).toContain('audit-401');
    const refused = await readerService.listEvents(
      { tenantId: LOCAL_TENANT_ID, includeUnattributed: true },
      { limit: 10, type: 'auth.token_refused' },
    );
    expect(refused.items[0]).toMatchObject({ actor: { tenantId: null }, details: { reason: 'missing_token' } });
  });

  it('pages newest first with an opaque cursor, and filters by time', async () => {
    const first = await events('?type=http.request&limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await events(`?type=http.request&limit=2&cursor=${first.nextCursor}`);
    const firstIds = first.items.map((item) => BigInt(item.id));
    const secondIds = second.items.map((item) => BigInt(item.id));
    expect(firstIds[0]! > firstIds[1]!).toBe(true);
    expect(secondIds.every((id) => id < firstIds[1]!)).toBe(true);
    const future = await events(`?from=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect(future.items).toEqual([]);
    expect(future.nextCursor).toBeNull();
  });

  it('reports counts by type, outcome, actor and failed sign-ins, as JSON and as formula-safe CSV', async () => {
    const sink = app.running.app.get<symbol, SecurityEventSink>(SECURITY_EVENT_SINK);
    sink.emit({ type: 'auth.token_refused', reason: 'token_expired', tenantId: LOCAL_TENANT_ID, at: new Date() });
    sink.emit({
      type: 'auth.token_refused',
      reason: '=HYPERLINK("http://x","y")',
      tenantId: LOCAL_TENANT_ID,
      at: new Date(),
    });
    await flush();

    const json = await call(`${app.url}/v1/audit/report?format=json`, { token: auditor });
    expect(json.status).toBe(200);
    const report = json.body as {
      total: number;
      byType: { type: string; count: number }[];
      byOutcome: { outcome: string; count: number }[];
      byActor: { objectId: string | null; count: number }[];
      failedSignIns: { total: number; byReason: { reason: string; count: number }[] };
    };
    const countOf = (type: string) => report.byType.find((row) => row.type === type)?.count ?? 0;
    expect(countOf('documents.not_found')).toBe(1);
    expect(countOf('auth.token_refused')).toBe(2);
    expect(countOf('http.request')).toBeGreaterThanOrEqual(3);
    expect(report.total).toBe(report.byType.reduce((sum, row) => sum + row.count, 0));
    expect(report.byOutcome.map((row) => row.outcome)).toEqual(expect.arrayContaining(['success', 'denied']));
    expect(report.byActor.find((row) => row.objectId === LOCAL_USER_OBJECT_ID)?.count).toBeGreaterThan(0);
    expect(report.failedSignIns.total).toBe(2);
    expect(report.failedSignIns.byReason).toContainEqual({ reason: 'token_expired', count: 1 });

    const response = await fetch(`${app.url}/v1/audit/report?format=csv`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-report-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows = parse(await response.text()) as string[][];
    expect(rows[0]).toEqual(['section', 'key', 'value']);
    expect(rows).toContainEqual(['type', 'documents.not_found', '1']);
    expect(rows).toContainEqual(['failed_sign_in_reason', `'=HYPERLINK("http://x","y")`, '1']);
    expect(rows.flat().some((cell) => /^[=+@]/.test(cell))).toBe(false);

    const empty = await call(`${app.url}/v1/audit/report?from=2020-01-01&to=2020-01-02`, { token: auditor });
    expect(empty.body).toMatchObject({ total: 0, byType: [], failedSignIns: { total: 0, byReason: [] } });
  });

  it('verifies the chain', async () => {
    const answer = await call(`${app.url}/v1/audit/verify`, { token: auditor });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true });
    expect(answer.body['checked']).toBeGreaterThanOrEqual(8);
    expect(answer.body['firstBrokenId']).toBeUndefined();
  });

  it('answers 401 without a token and 403 without Audit.Read on every audit endpoint', async () => {
    for (const path of ['events', 'report', 'report?format=csv', 'verify']) {
      const anonymous = await call(`${app.url}/v1/audit/${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
      const forbidden = await call(`${app.url}/v1/audit/${path}`, { token: reader });
      expect(forbidden.status, path).toBe(403);
      expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('takes query parameters given empty as not given', async () => {
    const blank = await call(`${app.url}/v1/audit/report?from=&to=&format=`, { token: auditor });
    expect(blank.status).toBe(200);
    expect(blank.headers.get('content-type')).toContain('application/json');
    const events = await call(`${app.url}/v1/audit/events?from=&to=&type=&limit=&cursor=`, { token: auditor });
    expect(events.status).toBe(200);
    expect(Array.isArray(events.body['items'])).toBe(true);
  });

  it('answers 400 problem+json naming the field for bad query parameters', async () => {
    const cases: [string, string][] = [
      ['events?from=yesterday', 'from'],
      ['events?from=2026-02-01&to=2026-01-01', 'from'],
      ['events?limit=0', 'limit'],
      ['events?limit=501', 'limit'],
      ['events?type=DROP%20TABLE', 'type'],
      ['events?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['events?unexpected=1', 'query'],
      ['report?format=xml', 'format'],
      ['report?to=2026-13-40', 'to'],
      ['report?from=0000-01-01', 'from'],
      ['events?to=1969-12-31T23:59:59Z', 'to'],
      ['events?type=http.request&type=auth.denied', 'type'],
    ];
    for (const [path, field] of cases) {
      const answer = await call(`${app.url}/v1/audit/${path}`, { token: auditor });
      expect(answer.status, path).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      const errors = answer.body['errors'] as { field: string }[];
      expect(
        errors.map((error) => error.field),
        path,
      ).toContain(field);
    }
  });
});

describe('the AUDIT_* configuration', () => {
  it('has defaults and refuses out-of-range values, naming each', () => {
    expect(parseConfig({}).audit).toEqual({
      accessLog: true,
      retentionDays: 365,
      queueMax: 10_000,
      flushIntervalMs: 1_000,
      batchSize: 1_000,
    });
    const bad = { AUDIT_ACCESS_LOG: 'maybe', AUDIT_RETENTION_DAYS: '-1', AUDIT_QUEUE_MAX: '0', AUDIT_BATCH_SIZE: 'x' };
    expect(() => parseConfig(bad)).toThrow(ConfigError);
    try {
      parseConfig(bad);
    } catch (error) {
      for (const name of Object.keys(bad)) expect((error as ConfigError).message).toContain(name);
    }
  });
});

describe('the audit trail with AUDIT_ACCESS_LOG=false', () => {
  it('keeps security events but writes no per-request event', async () => {
    const dir = await tempDir();
    const database = await freshDatabase();
    const app = await startApp({ LOCAL_DATA_DIR: dir.path, DATABASE_URL: database.url, AUDIT_ACCESS_LOG: 'false' });
    try {
      const reader = await app.token({ roles: ['Documents.Read', 'Audit.Read'] });
      expect((await call(`${app.url}/v1/documents/${randomUUID()}`, { token: reader })).status).toBe(404);
      await app.running.app.get(AuditWriter).flush();
      const page = await call(`${app.url}/v1/audit/events`, { token: reader });
      const types = (page.body['items'] as EventItem[]).map((item) => item.type);
      expect(types).toEqual(['documents.not_found']);
    } finally {
      await app.close();
      await database.drop();
      await dir.remove();
    }
  });
});

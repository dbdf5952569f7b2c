import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Catch,
  Controller,
  Get,
  Global,
  Module,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SECURITY_EVENT_SINK, type SecurityEvent, type SecurityEventSink } from '../audit/security-events';
import { DomainError } from '../errors/domain-errors';
import { requestIdOf } from '../observability/logging.module';
import {
  LOCAL_APP_OBJECT_ID,
  LOCAL_TENANT_ID,
  LocalIssuer,
  signLocalToken,
  type LocalTokenOptions,
} from '../local/local-issuer';
import { Authorize, CurrentPrincipal } from './auth.decorators';
import { AuthModule } from './auth.module';
import { ENTRA_STRATEGY } from './entra.strategy';
import type { Principal } from './principal';
import { TokenAuthenticator } from './token.authenticator';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const OTHER_OID = '99999999-8888-4777-8666-555555555555';

@Controller('probe')
class ProbeController {
  @Get('read')
  @Authorize('Documents.Read')
  read(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Get('write')
  @Authorize('Documents.Write')
  write(@CurrentPrincipal() principal: Principal): { objectId: string } {
    return { objectId: principal.objectId };
  }

  @Get('delegated')
  @Authorize({ tokenKind: 'delegated' }, 'Documents.Read')
  delegated(@CurrentPrincipal() principal: Principal): { objectId: string } {
    return { objectId: principal.objectId };
  }

  @Get('daemon')
  @Authorize({ tokenKind: 'app' })
  daemon(@CurrentPrincipal() principal: Principal): { objectId: string } {
    return { objectId: principal.objectId };
  }

  /** What another team composing Passport strategies writes: the `entra` strategy through @nestjs/passport. */
  @Get('passport')
  @UseGuards(AuthGuard(ENTRA_STRATEGY))
  passport(@CurrentPrincipal() principal: Principal): { objectId: string } {
    return { objectId: principal.objectId };
  }
}

/** The audit room's side of the port: keeps every event it is given. */
class CollectingSink implements SecurityEventSink {
  readonly events: SecurityEvent[] = [];
  emit(event: SecurityEvent): void {
    this.events.push(event);
  }
}
const sink = new CollectingSink();

/** Provides the sink globally, the way the audit room will. */
@Global()
@Module({ providers: [{ provide: SECURITY_EVENT_SINK, useValue: sink }], exports: [SECURITY_EVENT_SINK] })
class TestAuditModule {}

/** The real OpenTelemetry SDK with a pull reader, to read the auth.failures counter. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
const reader = new CollectingReader();

async function failureCounts(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((candidate) => candidate.descriptor.name === 'auth.failures');
  return Object.fromEntries(
    (metric?.dataPoints ?? []).map((point) => [String(point.attributes['reason']), Number(point.value)]),
  );
}

/** Stand-in for the service's ProblemFilter: status, headers and detail of a DomainError. */
@Catch(DomainError)
class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .status(error.status)
      .headers(error.headers())
      .type('application/problem+json')
      .send({ title: error.title, status: error.status, detail: error.message });
  }
}

@Module({})
class ProbeAppModule {}

let dataDir: string;
let issuer: LocalIssuer;
let app: INestApplication;
let baseUrl: string;

const token = (options: Omit<LocalTokenOptions, 'dataDir' | 'clientId'> = {}) =>
  signLocalToken({ dataDir, clientId: CLIENT_ID, ...options });

function get(path: string, authorization?: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { headers: authorization === undefined ? {} : { authorization } });
}

async function expectUnauthorized(response: Response): Promise<{ detail: string }> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  return (await response.json()) as { detail: string };
}

beforeAll(async () => {
  // Instruments are created when the app is built: the provider must be in place first.
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  dataDir = await mkdtemp(join(tmpdir(), 'navius-guard-'));
  issuer = await LocalIssuer.start({ dataDir });
  app = await NestFactory.create(
    {
      module: ProbeAppModule,
      imports: [
        TestAuditModule,
        AuthModule.forRoot({
          authorityHost: issuer.authorityHost,
          tenantId: 'organizations',
          allowedTenants: '*',
          clientId: CLIENT_ID,
          audiences: [CLIENT_ID],
          clockSkewSeconds: 60,
          roleMap: { 'Documents.Read': ['Documents.Read'], 'Documents.Write': ['Documents.Write'] },
          scopeMap: {
            'Documents.Read': ['Documents.Read'],
            'Documents.ReadWrite': ['Documents.Read', 'Documents.Write'],
          },
          allowHttpAuthority: true,
        }),
      ],
      controllers: [ProbeController],
    },
    new FastifyAdapter({ genReqId: (request: unknown) => requestIdOf(request as IncomingMessage) }),
    { logger: false },
  );
  app.useGlobalFilters(new DomainErrorFilter());
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});

afterAll(async () => {
  metrics.disable();
  await app?.close();
  await issuer?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('EntraAuthGuard and PermissionsGuard over HTTP', () => {
  it('answers 401 without an Authorization header', async () => {
    const body = await expectUnauthorized(await get('/probe/read'));
    expect(body.detail).toMatch(/bearer access token is required/i);
  });

  it.each(['Basic x', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer  abc', 'Token abc'])(
    'answers 401 to the malformed header %j',
    async (header) => {
      const body = await expectUnauthorized(await get('/probe/read', header));
      expect(body.detail).toBe('The Authorization header must be "Bearer <access token>"');
    },
  );

  it('answers 401 with the verifier’s own detail for bad tokens', async () => {
    expect((await expectUnauthorized(await get('/probe/read', 'Bearer abc.def.ghi'))).detail).toBe(
      'The access token is malformed',
    );
    const expired = await token({ roles: ['Documents.Read'], app: true, expiresIn: '-10m' });
    expect((await expectUnauthorized(await get('/probe/read', `Bearer ${expired}`))).detail).toBe(
      'The access token has expired',
    );
    const foreign = await signLocalToken({
      dataDir,
      clientId: 'api://another-api',
      app: true,
      roles: ['Documents.Read'],
    });
    expect((await expectUnauthorized(await get('/probe/read', `Bearer ${foreign}`))).detail).toMatch(/audience/);
  });

  it('never reads the token from the query string', async () => {
    const valid = await token({ app: true, roles: ['Documents.Read'] });
    await expectUnauthorized(await get(`/probe/read?access_token=${valid}`));
  });

  it('answers 403 to an app token holding other roles', async () => {
    const response = await get('/probe/read', `Bearer ${await token({ app: true, roles: ['Documents.Write'] })}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="Documents.Read"');
  });

  it('answers 403 to a delegated Documents.Read token on a Documents.Write route', async () => {
    const response = await get('/probe/write', `Bearer ${await token({ scopes: ['Documents.Read'] })}`);
    expect(response.status).toBe(403);
  });

  it('answers 200 with the principal when a permission matches', async () => {
    const response = await get('/probe/read', `Bearer ${await token({ app: true, roles: ['Documents.Read'] })}`);
    expect(response.status).toBe(200);
    const principal = (await response.json()) as Principal;
    expect(principal).toMatchObject({ tenantId: LOCAL_TENANT_ID, appOnly: true, permissions: ['Documents.Read'] });

    const write = await get('/probe/write', `Bearer ${await token({ scopes: ['Documents.ReadWrite'] })}`);
    expect(write.status).toBe(200);
  });

  it('GET /v1/me returns the principal fields for any valid token', async () => {
    const response = await get('/v1/me', `bearer ${await token({ scopes: ['Documents.Read'], name: 'Grace' })}`);
    expect(response.status).toBe(200);
    const me = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(me).sort()).toEqual(['appOnly', 'name', 'objectId', 'roles', 'scopes', 'subject', 'tenantId']);
    expect(me).toMatchObject({ name: 'Grace', scopes: ['Documents.Read'], roles: [], appOnly: false });

    const noPermissions = await get('/v1/me', `Bearer ${await token({ app: true, roles: ['Unmapped.Role'] })}`);
    expect(noPermissions.status).toBe(200);
    await expectUnauthorized(await get('/v1/me'));
  });
});

describe('the entra Passport strategy through @nestjs/passport', () => {
  it('authenticates as the service guard does, and refuses with the strategy’s own reason', async () => {
    const response = await get(
      '/probe/passport',
      `Bearer ${await token({ scopes: ['Documents.Read'], objectId: OTHER_OID })}`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ objectId: OTHER_OID });
    expect((await expectUnauthorized(await get('/probe/passport'))).detail).toMatch(/bearer access token is required/i);
    expect((await expectUnauthorized(await get('/probe/passport', 'Bearer abc.def.ghi'))).detail).toBe(
      'The access token is malformed',
    );
  });
});

describe('token kind of a route', () => {
  it('answers 403 to an app-only token on a delegated-only route, 200 to a user token', async () => {
    const app = await get('/probe/delegated', `Bearer ${await token({ app: true, roles: ['Documents.Read'] })}`);
    expect(app.status).toBe(403);
    expect(app.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    expect(((await app.json()) as { detail: string }).detail).toMatch(/only delegated \(user\) tokens/);
    expect((await get('/probe/delegated', `Bearer ${await token({ scopes: ['Documents.Read'] })}`)).status).toBe(200);
  });

  it('answers 403 to a user token on an app-only route, 200 to an app token', async () => {
    expect((await get('/probe/daemon', `Bearer ${await token({ scopes: ['Documents.Read'] })}`)).status).toBe(403);
    expect((await get('/probe/daemon', `Bearer ${await token({ app: true, roles: ['Any.Role'] })}`)).status).toBe(200);
  });
});

describe('security events and auth.failures', () => {
  beforeEach(() => {
    sink.events.length = 0;
  });

  it('records every refusal with reason, verified caller, client ip and trace id, and never the token', async () => {
    const before = await failureCounts();
    const expired = await token({ app: true, roles: ['Documents.Read'], expiresIn: '-10m' });
    const forged = `${expired.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`;
    const weak = await token({ app: true, roles: ['Documents.Write'] });
    const headers = (authorization?: string) => ({
      'x-request-id': 'trace-me-123',
      ...(authorization ? { authorization } : {}),
    });
    await fetch(`${baseUrl}/probe/read`, { headers: headers() });
    await fetch(`${baseUrl}/probe/read`, { headers: headers('Token abc') });
    await fetch(`${baseUrl}/probe/read`, { headers: headers(`Bearer ${expired}`) });
    await fetch(`${baseUrl}/probe/read`, { headers: headers(`Bearer ${forged}`) });
    await fetch(`${baseUrl}/probe/read`, { headers: headers(`Bearer ${weak}`) });

    expect(sink.events.map((event) => [event.type, event.reason])).toEqual([
      ['auth.token_refused', 'missing_token'],
      ['auth.token_refused', 'malformed_header'],
      ['auth.token_refused', 'token_expired'],
      ['auth.token_refused', 'invalid_signature'],
      ['auth.access_denied', 'insufficient_permission'],
    ]);
    const [missing, , expiredEvent, forgedEvent, denied] = sink.events;
    expect(missing).toMatchObject({ clientIp: '127.0.0.1', traceId: 'trace-me-123' });
    expect(missing?.at).toBeInstanceOf(Date);
    expect(expiredEvent).toMatchObject({ tenantId: LOCAL_TENANT_ID, objectId: LOCAL_APP_OBJECT_ID });
    expect(forgedEvent?.tenantId).toBeUndefined();
    expect(forgedEvent?.objectId).toBeUndefined();
    expect(denied).toMatchObject({ tenantId: LOCAL_TENANT_ID, objectId: LOCAL_APP_OBJECT_ID });
    const serialized = JSON.stringify(sink.events);
    for (const secret of [expired, forged, weak]) {
      for (const part of secret.split('.')) expect(serialized).not.toContain(part.slice(0, 24));
    }

    const after = await failureCounts();
    const delta = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0);
    expect(
      ['missing_token', 'malformed_header', 'token_expired', 'invalid_signature', 'insufficient_permission'].map(delta),
    ).toEqual([1, 1, 1, 1, 1]);
  });

  it('records nothing for an accepted request', async () => {
    await get('/probe/read', `Bearer ${await token({ app: true, roles: ['Documents.Read'] })}`);
    expect(sink.events).toEqual([]);
  });
});

describe('claims cache', () => {
  it('verifies a token once: repeats are served from the cache without a signature check', async () => {
    const authenticator = app.get(TokenAuthenticator);
    const repeated = await token({ app: true, roles: ['Documents.Read'] });
    const before = { ...authenticator.stats };
    for (let i = 0; i < 5; i++) expect((await get('/probe/read', `Bearer ${repeated}`)).status).toBe(200);
    expect(authenticator.stats.verifications - before.verifications).toBe(1);
    expect(authenticator.stats.cacheHits - before.cacheHits).toBe(4);
  });

  it('never caches a refusal, nor shares a cached principal between different tokens', async () => {
    const authenticator = app.get(TokenAuthenticator);
    const before = { ...authenticator.stats };
    const expired = await token({ app: true, roles: ['Documents.Read'], expiresIn: '-10m' });
    await expectUnauthorized(await get('/probe/read', `Bearer ${expired}`));
    await expectUnauthorized(await get('/probe/read', `Bearer ${expired}`));
    const reader = await token({ app: true, roles: ['Documents.Read'] });
    const writer = await token({ app: true, roles: ['Documents.Write'] });
    expect((await get('/probe/read', `Bearer ${reader}`)).status).toBe(200);
    expect((await get('/probe/read', `Bearer ${writer}`)).status).toBe(403);
    expect(authenticator.stats.cacheHits - before.cacheHits).toBe(0);
  });
});

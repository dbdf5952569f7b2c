import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Catch,
  Controller,
  Get,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-errors';
import { LOCAL_TENANT_ID, LocalIssuer, signLocalToken, type LocalTokenOptions } from '../local/local-issuer';
import { Authorize, CurrentPrincipal } from './auth.decorators';
import { AuthModule } from './auth.module';
import type { Principal } from './principal';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';

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
  dataDir = await mkdtemp(join(tmpdir(), 'navius-guard-'));
  issuer = await LocalIssuer.start({ dataDir });
  app = await NestFactory.create(
    {
      module: ProbeAppModule,
      imports: [
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
    new FastifyAdapter(),
    { logger: false },
  );
  app.useGlobalFilters(new DomainErrorFilter());
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});

afterAll(async () => {
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

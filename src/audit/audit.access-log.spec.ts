import type { HttpAdapterHost } from '@nestjs/core';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal';
import { AuditAccessLog, outcomeOf } from './audit.access-log';
import type { AuditEventInput } from './audit.event';
import type { AuditWriter } from './audit.writer';

const TENANT = '00000000-0000-4000-8000-00000000a11e';
const principal = (appOnly: boolean): Principal => ({
  subject: 's',
  objectId: '00000000-0000-4000-8000-0000000000d5',
  tenantId: TENANT,
  roles: [],
  scopes: [],
  appOnly,
  permissions: [],
  issuedAt: 0,
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the access log on a real Fastify instance', () => {
  const recorded: AuditEventInput[] = [];
  let fastify: FastifyInstance;

  beforeAll(async () => {
    fastify = Fastify();
    const writer = { record: (event: AuditEventInput) => recorded.push(event) > 0 } as unknown as AuditWriter;
    const host = { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost;
    // Routes first, hooks after, as Nest does (controllers are registered before onModuleInit).
    fastify.addHook('preHandler', async (request) => {
      const as = request.headers['x-as'];
      if (as) Object.assign(request, { user: principal(as === 'app') });
    });
    fastify.get('/v1/documents/:id', async (_request, reply) => reply.code(404).send({}));
    fastify.get('/v1/limited', async (_request, reply) => reply.code(429).send({}));
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    new AuditAccessLog({}, writer, host).onModuleInit();
    await fastify.ready();
  });
  afterAll(async () => fastify.close());

  const send = async (url: string, headers: Record<string, string> = {}) => {
    recorded.length = 0;
    await fastify.inject({ method: 'GET', url, headers: { 'user-agent': 'ua', ...headers } });
    return recorded.map((event) => event.type);
  };

  it('records a 404 on a document route as documents.not_found for the caller, by route template', async () => {
    expect(await send('/v1/documents/6d0c3f3a-0000-4000-8000-000000000001', { 'x-as': 'user' })).toEqual([
      'http.request',
      'documents.not_found',
    ]);
    expect(recorded[0]).toMatchObject({
      route: '/v1/documents/:id',
      status: 404,
      method: 'GET',
      userAgent: 'ua',
      actor: { tenantId: TENANT, objectId: principal(false).objectId },
    });
    expect(recorded[1]?.details).toMatchObject({ documentId: '6d0c3f3a-0000-4000-8000-000000000001' });
    // Without a verified caller there is no tenant to attribute the 404 to.
    expect(await send('/v1/documents/x')).toEqual(['http.request']);
  });

  it('records a 429 as http.rate_limited, an app-only caller by its service principal, and skips probes', async () => {
    expect(await send('/v1/limited', { 'x-as': 'app' })).toEqual(['http.request', 'http.rate_limited']);
    expect(recorded[0]).toMatchObject({
      outcome: 'denied',
      actor: { tenantId: TENANT, appId: principal(true).objectId },
    });
    expect(recorded[0]?.actor.objectId).toBeUndefined();
    expect(await send('/health/live')).toEqual([]);
    // An unknown route has no template: nothing of the raw path is kept.
    expect(await send('/v1/nowhere/secret-id')).toEqual(['http.request']);
    expect(recorded[0]).toMatchObject({ route: undefined, status: 404 });
    expect(recorded[0]?.traceId).toBe(recorded[0]?.details?.['requestId']);
  });

  it("records the active span's trace id instead of the request id", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const traceId = '5759e988bd862e3fe1be46a994272793';
    const span = trace.wrapSpanContext({ traceId, spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.NONE });
    // What the OTel http instrumentation does: the server's 'request' event runs inside the request span's context.
    const emit = fastify.server.emit.bind(fastify.server);
    fastify.server.emit = ((event: string, ...args: unknown[]) =>
      event === 'request'
        ? context.with(trace.setSpan(context.active(), span), () => emit(event, ...args))
        : emit(event, ...args)) as typeof fastify.server.emit;
    try {
      await fastify.listen({ port: 0, host: '127.0.0.1' });
      const { port } = fastify.server.address() as AddressInfo;
      recorded.length = 0;
      await (await fetch(`http://127.0.0.1:${port}/v1/limited`)).arrayBuffer();
      await until(() => recorded.length === 2);
      expect(recorded.map((event) => event.traceId)).toEqual([traceId, traceId]);
      expect(recorded[0]?.ip).toBe('127.0.0.1');
    } finally {
      fastify.server.emit = emit;
      context.disable();
    }
  });

  it('maps statuses to outcomes', () => {
    expect([200, 204, 302, 400, 401, 403, 404, 409, 429, 500, 503].map(outcomeOf)).toEqual([
      'success',
      'success',
      'success',
      'failure',
      'denied',
      'denied',
      'failure',
      'failure',
      'denied',
      'error',
      'error',
    ]);
  });
});

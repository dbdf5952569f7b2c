import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { AUDIT_EVENT_TYPES, type AuditActor, type AuditEventInput, type AuditOutcome } from './audit.event';
import { AUDIT_MODULE_OPTIONS, type AuditModuleOptions } from './audit.module-definition';
import { AuditWriter } from './audit.writer';

const DEFAULT_EXCLUDED_ROUTES = ['/health/live', '/health/ready'];
const DOCUMENT_ROUTE = /^\/v1\/documents\/:id(\/|$)/;

export function outcomeOf(status: number): AuditOutcome {
  if (status >= 500) return 'error';
  if (status === 401 || status === 403 || status === 429) return 'denied';
  if (status >= 400) return 'failure';
  return 'success';
}

/** The verified caller: a user by object id, an app-only caller by its service principal's object id. */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return {};
  return principal.appOnly
    ? { tenantId: principal.tenantId, appId: principal.objectId }
    : { tenantId: principal.tenantId, objectId: principal.objectId };
}

/** The request's trace id, kept from onRequest (where its span is active) for the event written at onResponse. */
const TRACE_ID = Symbol('navius.auditTraceId');
type TracedRequest = FastifyRequest & { [TRACE_ID]: string | null };

/**
 * The access log: one audit event per answered request, taken in Fastify's onResponse hook so refusals by
 * guards (401/403), unknown routes and rate limiting (429) are seen too. A 429 also records
 * `http.rate_limited`; a 404 on a document route records `documents.not_found` for the caller's tenant
 * (by design a document of another tenant answers the same 404, so that is all anyone can know).
 */
@Injectable()
export class AuditAccessLog implements OnModuleInit {
  private readonly excluded: Set<string>;

  constructor(
    @Inject(AUDIT_MODULE_OPTIONS) private readonly options: AuditModuleOptions,
    private readonly writer: AuditWriter,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.excluded = new Set(options.excludedRoutes ?? DEFAULT_EXCLUDED_ROUTES);
  }

  /** Routes are registered but Fastify is not ready yet: hooks added now apply to every route and the 404 handler. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // Declared up front, so every request object has the same shape (cheaper than a WeakMap per request).
    fastify.decorateRequest(TRACE_ID, null);
    fastify.addHook('onRequest', (request, _reply, done) => {
      // The request's span is active here; by onResponse the context may be gone.
      const span = trace.getActiveSpan()?.spanContext();
      if (span && isSpanContextValid(span)) (request as TracedRequest)[TRACE_ID] = span.traceId;
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.recordAnswer(request, reply);
      done();
    });
  }

  recordAnswer(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    if (route !== undefined && this.excluded.has(route)) return;
    const status = reply.statusCode;
    const principal = (request as FastifyRequest & { user?: Principal }).user;
    const userAgent = request.headers['user-agent'];
    const base: Omit<AuditEventInput, 'type' | 'outcome'> = {
      at: new Date(),
      actor: actorOf(principal),
      method: request.method,
      route,
      status,
      ip: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent : undefined,
      traceId: (request as TracedRequest)[TRACE_ID] ?? request.id,
    };
    if (this.options.accessLog ?? true) {
      this.writer.record({
        ...base,
        type: AUDIT_EVENT_TYPES.request,
        outcome: outcomeOf(status),
        details: { requestId: request.id, durationMs: Math.round(reply.elapsedTime * 100) / 100 },
      });
    }
    if (status === 429) {
      this.writer.record({
        ...base,
        type: AUDIT_EVENT_TYPES.rateLimited,
        outcome: 'denied',
        details: { requestId: request.id },
      });
    }
    if (status === 404 && principal && route !== undefined && DOCUMENT_ROUTE.test(route)) {
      const id = (request.params as Record<string, unknown> | undefined)?.['id'];
      this.writer.record({
        ...base,
        type: AUDIT_EVENT_TYPES.documentNotFound,
        outcome: 'denied',
        details: { requestId: request.id, documentId: typeof id === 'string' ? id : null },
      });
    }
  }
}

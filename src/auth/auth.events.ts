import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { isSpanContextValid, metrics, trace, type Counter } from '@opentelemetry/api';
import {
  LoggingSecurityEventSink,
  SECURITY_EVENT_SINK,
  type SecurityEvent,
  type SecurityEventSink,
} from '../audit/security-events';
import { UnauthenticatedError } from '../errors/domain-errors';
import { METRICS } from '../observability/metrics.catalog';
import { AccessDeniedError, TokenRefusedError } from './auth.errors';
import type { Principal } from './principal';

/** The request fields a security event needs (Fastify's request has them). */
export interface RequestLike {
  ip?: string;
  id?: string;
}

/** Reason of `auth.failures` when the signing keys could not be fetched (a 503, not a security event). */
export const KEYS_UNAVAILABLE_REASON = 'keys_unavailable';

/** Every refusal leaves a security event (never the token) and one `auth.failures` count by reason. */
@Injectable()
export class AuthEventRecorder {
  private readonly logger = new Logger(AuthEventRecorder.name);
  private readonly sink: SecurityEventSink;
  private readonly failures: Counter;

  constructor(@Optional() @Inject(SECURITY_EVENT_SINK) sink?: SecurityEventSink) {
    this.sink = sink ?? new LoggingSecurityEventSink();
    this.failures = metrics
      .getMeter('navius')
      .createCounter('auth.failures', { description: METRICS['auth.failures'].description });
  }

  /** A 401: missing, malformed, forged, expired, untrusted or revoked token. */
  tokenRefused(request: RequestLike, error: UnauthenticatedError): void {
    const caller = error instanceof TokenRefusedError ? error.caller : {};
    this.record(request, { type: 'auth.token_refused', reason: error.reason, ...caller });
  }

  /** A 403: a valid token that the route refuses. */
  accessDenied(request: RequestLike, principal: Principal, error: AccessDeniedError): void {
    this.record(request, {
      type: 'auth.access_denied',
      reason: error.reason,
      tenantId: principal.tenantId,
      objectId: principal.objectId,
    });
  }

  /** An administrator revoked a user's sessions: the event names that user (not a refusal: no failure count). */
  sessionsRevoked(request: RequestLike, revoked: { tenantId: string; objectId: string }): void {
    this.emit({
      type: 'auth.sessions_revoked',
      reason: 'admin_request',
      ...revoked,
      ...requestContext(request),
      at: new Date(),
    });
  }

  /** The signing keys are unreachable: counted, but no security event (nothing was refused for cause). */
  keysUnavailable(): void {
    this.failures.add(1, { reason: KEYS_UNAVAILABLE_REASON });
  }

  private record(request: RequestLike, event: Pick<SecurityEvent, 'type' | 'reason' | 'tenantId' | 'objectId'>): void {
    this.failures.add(1, { reason: event.reason });
    this.emit({ ...event, ...requestContext(request), at: new Date() });
  }

  private emit(event: SecurityEvent): void {
    try {
      this.sink.emit(event);
    } catch (err) {
      // A broken sink must never turn a refusal into a 500.
      this.logger.error({ err }, 'security event sink failed');
    }
  }
}

function requestContext(request: RequestLike): Pick<SecurityEvent, 'clientIp' | 'traceId'> {
  const span = trace.getActiveSpan()?.spanContext();
  const traceId = span && isSpanContextValid(span) ? span.traceId : request.id;
  return { clientIp: request.ip, traceId };
}

import { Logger } from '@nestjs/common';

/**
 * The audit room's port for security events, kept small on purpose: the auth room emits through it, the
 * audit room replaces the sink by providing SECURITY_EVENT_SINK from a global module (AuthModule injects it
 * as optional and falls back to LoggingSecurityEventSink).
 */

/** What happened: a token refused (401), a valid token refused a route (403), or a user's sessions revoked. */
export type SecurityEventType = 'auth.token_refused' | 'auth.access_denied' | 'auth.sessions_revoked';

/** One security event. Never carries a token, a header value or any other credential. */
export interface SecurityEvent {
  type: SecurityEventType;
  /** Machine-readable reason code from a bounded set (`token_expired`, `invalid_signature`, `insufficient_permission`, …). */
  reason: string;
  /** `tid` of the caller, or of the revoked user for `auth.sessions_revoked` (the actor is in the request's access log); only from a verified signature, never from a forged token. */
  tenantId?: string;
  /** `oid` of the caller (or of the revoked user); same rule as tenantId. */
  objectId?: string;
  /** The client address as the HTTP layer sees it (X-Forwarded-For honoured only behind the ALB in `aws`). */
  clientIp?: string;
  /** The OpenTelemetry trace id of the request when tracing is on, else its request id (`x-request-id`). */
  traceId?: string;
  /** When the event happened. */
  at: Date;
}

/** Receives security events. emit must not throw and must not block the request: buffer or log, then return. */
export interface SecurityEventSink {
  emit(event: SecurityEvent): void;
}

/** Injection token of the SecurityEventSink; provide it (globally) to replace the logging default. */
export const SECURITY_EVENT_SINK = Symbol('SECURITY_EVENT_SINK');

/** The default sink until the audit trail lands: one structured `warn` log line per event. */
export class LoggingSecurityEventSink implements SecurityEventSink {
  private readonly logger = new Logger('SecurityEvents');

  emit(event: SecurityEvent): void {
    this.logger.warn({ securityEvent: { ...event, at: event.at.toISOString() } }, `security event ${event.type}`);
  }
}

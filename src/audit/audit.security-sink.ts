import { Injectable, Logger } from '@nestjs/common';
import type { AuditOutcome } from './audit.event';
import { AuditWriter } from './audit.writer';
import type { SecurityEvent, SecurityEventSink, SecurityEventType } from './security-events';

const OUTCOMES: Record<SecurityEventType, AuditOutcome> = {
  'auth.token_refused': 'denied',
  'auth.access_denied': 'denied',
  'auth.sessions_revoked': 'success',
};

/**
 * The audit room's SecurityEventSink: the auth room's events go into the hash-chained trail.
 * The tenant and object id are recorded only as the auth room vouches for them (from a verified signature).
 */
@Injectable()
export class AuditSecurityEventSink implements SecurityEventSink {
  private readonly logger = new Logger('AuditSecurityEventSink');

  constructor(private readonly writer: AuditWriter) {}

  emit(event: SecurityEvent): void {
    // A revocation names the user whose sessions ended, not who ended them (that is the request's own event).
    const revoked = event.type === 'auth.sessions_revoked';
    try {
      this.writer.record({
        at: event.at instanceof Date ? event.at : new Date(),
        type: event.type,
        outcome: OUTCOMES[event.type] ?? 'denied',
        actor: { tenantId: event.tenantId, objectId: revoked ? undefined : event.objectId },
        ip: event.clientIp,
        traceId: event.traceId,
        details: { reason: event.reason, ...(revoked ? { revokedObjectId: event.objectId ?? null } : {}) },
      });
    } catch (error) {
      // The sink's contract: never fail the request that reported the event.
      this.logger.error(`security event ${event.type} not recorded: ${(error as Error).message}`);
    }
  }
}

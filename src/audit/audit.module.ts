import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { AuditAccessLog } from './audit.access-log';
import { AuditMetrics } from './audit.metrics';
import { AUDIT_MODULE_OPTIONS, AuditConfigurableModule } from './audit.module-definition';
import { AuditRepository } from './audit.repository';
import { AuditRetention } from './audit.retention';
import { AuditSecurityEventSink } from './audit.security-sink';
import { AuditVerifier } from './audit.verifier';
import { AuditWriter } from './audit.writer';
import { SECURITY_EVENT_SINK } from './security-events';

/** The audit tables' migrations, applied by the database room at start-up. */
export const AUDIT_MIGRATIONS_DIR = join(__dirname, 'migrations');

/**
 * Access log, security events and the hash-chained audit trail, on the global DatabaseService. Global by default
 * (`isGlobal`) because it provides SECURITY_EVENT_SINK to the auth room; import it after DatabaseModule so it
 * shuts down (its last flush) before the database closes its pool. The HTTP endpoints are AuditApiModule.
 */
@Module({
  providers: [
    AuditMetrics,
    AuditRepository,
    AuditWriter,
    AuditAccessLog,
    AuditSecurityEventSink,
    AuditVerifier,
    AuditRetention,
    { provide: SECURITY_EVENT_SINK, useExisting: AuditSecurityEventSink },
  ],
  exports: [AUDIT_MODULE_OPTIONS, AuditRepository, AuditWriter, AuditVerifier, AuditRetention, SECURITY_EVENT_SINK],
})
export class AuditModule extends AuditConfigurableModule {}

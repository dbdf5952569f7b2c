import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface AuditModuleOptions {
  /** Record one `http.request` event per answered request (security events are recorded either way). Default true. */
  accessLog?: boolean;
  /** Route templates left out of the access log (load-balancer probes). Default `/health/live`, `/health/ready`. */
  excludedRoutes?: string[];
  /** Events waiting to be written, at most; past it new events are dropped and counted (`audit.dropped`). Default 10000. */
  queueMax?: number;
  /** The writer flushes at least this often, ms. Default 1000. */
  flushIntervalMs?: number;
  /** Events written per transaction; a full batch is flushed at once. Default 500. */
  batchSize?: number;
  /** Rows older than this many days are purged behind a checkpoint; 0 keeps everything. Default 365. */
  retentionDays?: number;
  /** How often retention runs, ms. Default 3600000 (hourly). */
  retentionIntervalMs?: number;
  /** Tenant whose auditors also see events with no verified tenant (refused tokens); set it for a single-tenant deployment. Default none. */
  homeTenantId?: string;
}

export const {
  ConfigurableModuleClass: AuditConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUDIT_MODULE_OPTIONS,
  OPTIONS_TYPE: AUDIT_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuditModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

import { z } from 'zod';

const DAY_MS = 86_400_000;
export const DEFAULT_REPORT_DAYS = 30;
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .describe('ISO 8601 date-time with offset, or a date (midnight UTC)')
  .transform((value) => new Date(value))
  // PostgreSQL's timestamptz has no year 0; no audit event predates 1970.
  .refine((date) => date.getTime() >= 0 && date.getUTCFullYear() <= 9999, 'must be between 1970 and 9999');

const range = <T extends { from?: Date; to?: Date }>(query: T) => !query.from || !query.to || query.from < query.to;
const rangeIssue = { message: 'must be before to', path: ['from'] };

export const listAuditEventsQuerySchema = z
  .strictObject({
    from: instant.optional(),
    to: instant.optional(),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'must be an event type such as http.request')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(64).optional(),
  })
  .refine(range, rangeIssue);
export type ListAuditEventsQuery = z.output<typeof listAuditEventsQuerySchema>;

export const auditReportQuerySchema = z
  .strictObject({
    from: instant.optional(),
    to: instant.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine(range, rangeIssue)
  .transform((query) => {
    const to =
      query.to ??
      (query.from ? new Date(Math.min(query.from.getTime() + DEFAULT_REPORT_DAYS * DAY_MS, LAST_INSTANT)) : new Date());
    const from = query.from ?? new Date(to.getTime() - DEFAULT_REPORT_DAYS * DAY_MS);
    return { from, to, format: query.format };
  });
export type AuditReportQuery = z.output<typeof auditReportQuerySchema>;

const nullableString = z.string().nullable();

export const auditEventSchema = z
  .object({
    id: z.string().describe('position in the chain (a 64-bit integer, as a string)'),
    at: z.iso.datetime(),
    type: z.string().describe('http.request, http.rate_limited, documents.not_found, auth.*, audit.purged'),
    actor: z.object({ tenantId: nullableString, objectId: nullableString, appId: nullableString }),
    outcome: z.enum(['success', 'denied', 'failure', 'error']),
    method: nullableString,
    route: nullableString.describe('route template, never the raw path'),
    status: z.number().int().nullable(),
    ip: nullableString,
    userAgent: nullableString,
    traceId: nullableString,
    details: z.record(z.string(), z.unknown()),
    hash: z.string().describe('SHA-256 link of the hash chain, hex'),
  })
  .describe('AuditEvent');
export type AuditEventView = z.output<typeof auditEventSchema>;

export const auditEventPageSchema = z.object({ items: z.array(auditEventSchema), nextCursor: z.string().nullable() });

const count = z.number().int();
export const auditReportSchema = z
  .object({
    tenantId: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    total: count,
    byType: z.array(z.object({ type: z.string(), count })),
    byOutcome: z.array(z.object({ outcome: z.string(), count })),
    byActor: z.array(z.object({ objectId: nullableString, appId: nullableString, count })),
    failedSignIns: z.object({ total: count, byReason: z.array(z.object({ reason: z.string(), count })) }),
  })
  .describe('AuditReport');
export type AuditReport = z.output<typeof auditReportSchema>;

export const verifyResultSchema = z
  .object({
    ok: z.boolean(),
    checked: count.describe('rows whose hash and link were checked'),
    firstBrokenId: z.string().optional().describe('first row where the chain breaks'),
  })
  .describe('AuditVerification');

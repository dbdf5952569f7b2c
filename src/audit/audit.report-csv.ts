import { stringify } from 'csv-stringify/sync';
import type { AuditReport } from './audit.schemas';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

function actorKey(actor: { objectId: string | null; appId: string | null }): string {
  if (actor.objectId !== null) return `user:${actor.objectId}`;
  if (actor.appId !== null) return `app:${actor.appId}`;
  return 'anonymous';
}

/**
 * The report as RFC 4180 CSV (`section,key,value`, CRLF). csv-stringify quotes fields holding commas, quotes or
 * line breaks and prefixes a field starting with = + - @ tab or CR with `'`, so no cell runs as a spreadsheet formula.
 */
export function reportToCsv(report: AuditReport): string {
  const rows: (string | number)[][] = [
    ['report', 'tenant', report.tenantId],
    ['report', 'from', report.from],
    ['report', 'to', report.to],
    ['total', 'events', report.total],
    ...report.byType.map((row) => ['type', row.type, row.count]),
    ...report.byOutcome.map((row) => ['outcome', row.outcome, row.count]),
    ...report.byActor.map((row) => ['actor', actorKey(row), row.count]),
    ['failed_sign_ins', 'total', report.failedSignIns.total],
    ...report.failedSignIns.byReason.map((row) => ['failed_sign_in_reason', row.reason, row.count]),
  ];
  return stringify(rows, {
    header: true,
    columns: ['section', 'key', 'value'],
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}

import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { InvalidInputError } from '../errors/domain-errors';
import type { ChainedAuditRecord } from './audit.event';
import { AUDIT_COLUMNS, fromRow } from './audit.repository';
import type { AuditEventView, AuditReport, ListAuditEventsQuery } from './audit.schemas';

/** Whose events a reader sees: its own tenant's, plus unattributed ones for the home tenant of the deployment. */
export interface AuditScope {
  tenantId: string;
  includeUnattributed: boolean;
}

const SCOPE = '(actor_tenant = $1 OR ($2::boolean AND actor_tenant IS NULL))';
const IN_RANGE = 'at >= $3::timestamptz AND at < $4::timestamptz';
const FAILED_SIGN_IN = 'auth.token_refused';

export function encodeEventCursor(id: string): string {
  return Buffer.from(JSON.stringify({ i: id })).toString('base64url');
}

export function decodeEventCursor(cursor: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const id = (decoded as { i?: unknown } | undefined)?.i;
  if (typeof id !== 'string' || !/^[1-9]\d{0,17}$/.test(id)) {
    throw new InvalidInputError('Invalid query: cursor', [
      { field: 'cursor', message: 'is not a cursor this API issued' },
    ]);
  }
  return id;
}

function toView(record: ChainedAuditRecord): AuditEventView {
  return {
    id: record.id,
    at: record.at.toISOString(),
    type: record.type,
    actor: { tenantId: record.actorTenant, objectId: record.actorObject, appId: record.actorApp },
    outcome: record.outcome,
    method: record.method,
    route: record.route,
    status: record.status,
    ip: record.ip,
    userAgent: record.userAgent,
    traceId: record.traceId,
    details: record.details,
    hash: record.hash,
  };
}

/** Tenant-scoped reads of the trail: the events page and the compliance report. */
@Injectable()
export class AuditReader {
  constructor(private readonly database: DatabaseService) {}

  /** Newest first, keyset-paginated by chain position. */
  async listEvents(scope: AuditScope, query: ListAuditEventsQuery) {
    const before = query.cursor === undefined ? null : decodeEventCursor(query.cursor);
    const rows = await this.database.query<Parameters<typeof fromRow>[0]>({
      name: 'audit.list-events',
      text: `SELECT ${AUDIT_COLUMNS} FROM audit_events
             WHERE ${SCOPE}
               AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)
               AND ($4::timestamptz IS NULL OR at < $4::timestamptz)
               AND ($5::text IS NULL OR type = $5::text)
               AND ($6::bigint IS NULL OR id < $6::bigint)
             ORDER BY id DESC LIMIT $7`,
      values: [
        scope.tenantId,
        scope.includeUnattributed,
        query.from?.toISOString() ?? null,
        query.to?.toISOString() ?? null,
        query.type ?? null,
        before,
        query.limit + 1,
      ],
    });
    const page = rows.slice(0, query.limit).map(fromRow);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor: rows.length > query.limit && last ? encodeEventCursor(last.id) : null,
    };
  }

  /** Counts by event type, outcome and actor, and failed sign-ins by reason, over [from, to). */
  async report(scope: AuditScope, from: Date, to: Date): Promise<AuditReport> {
    const values = [scope.tenantId, scope.includeUnattributed, from.toISOString(), to.toISOString()];
    // `groups` columns come first in `select`; they are what is counted by.
    const counted = async <Row>(name: string, select: string, groups: number, extra = '') =>
      (
        await this.database.query<Row & { count: string }>({
          name,
          text: `SELECT ${select}, count(*)::text AS count FROM audit_events
                 WHERE ${SCOPE} AND ${IN_RANGE} ${extra}
                 GROUP BY ${groups === 2 ? '1, 2' : '1'} ORDER BY count(*) DESC, 1`,
          values,
        })
      ).map((row) => ({ ...row, count: Number(row.count) }));
    const byType = await counted<{ type: string }>('audit.report-types', 'type', 1);
    const byOutcome = await counted<{ outcome: string }>('audit.report-outcomes', 'outcome', 1);
    const byActor = await counted<{ objectId: string | null; appId: string | null }>(
      'audit.report-actors',
      'actor_object AS "objectId", actor_app AS "appId"',
      2,
    );
    const byReason = await counted<{ reason: string }>(
      'audit.report-failed-sign-ins',
      `coalesce(details->>'reason', 'unknown') AS reason`,
      1,
      `AND type = '${FAILED_SIGN_IN}'`,
    );
    return {
      tenantId: scope.tenantId,
      from: from.toISOString(),
      to: to.toISOString(),
      total: byType.reduce((sum, row) => sum + row.count, 0),
      byType,
      byOutcome,
      byActor,
      failedSignIns: { total: byReason.reduce((sum, row) => sum + row.count, 0), byReason },
    };
  }
}

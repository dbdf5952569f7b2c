import { Injectable } from '@nestjs/common';
import { DatabaseService, type Queryable, type Transaction } from '../database/database.service';
import type { AuditOutcome, AuditRecord, ChainedAuditRecord, JsonValue } from './audit.event';
import { canonicalParts, hashCanonical, joinCanonical, type CanonicalParts } from './audit.hash';

interface AuditRow {
  id: string;
  at: Date;
  type: string;
  actor_tenant: string | null;
  actor_object: string | null;
  actor_app: string | null;
  outcome: AuditOutcome;
  method: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  trace_id: string | null;
  details: Record<string, JsonValue>;
  prev_hash: string;
  hash: string;
}

export interface ChainHead {
  lastId: string | null;
  lastHash: string;
}

export interface Checkpoint {
  throughId: string;
  throughHash: string;
}

export const AUDIT_COLUMNS =
  'id, at, type, actor_tenant, actor_object, actor_app, outcome, method, route, status, ip, user_agent, trace_id, details, prev_hash, hash';

export function fromRow(row: AuditRow): ChainedAuditRecord {
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    actorTenant: row.actor_tenant,
    actorObject: row.actor_object,
    actorApp: row.actor_app,
    outcome: row.outcome,
    method: row.method,
    route: row.route,
    status: row.status,
    ip: row.ip,
    userAgent: row.user_agent,
    traceId: row.trace_id,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** A row of a batch, chained: its canonical form covers its id and the previous row's hash. */
export interface ChainedRow {
  event: PreparedEvent;
  id: string;
  prevHash: string;
  canonical: string;
  hash: string;
}

/** An event serialized before the head lock is taken: its canonical parts, and its columns in COPY's format. */
export interface PreparedEvent {
  parts: CanonicalParts;
  /** The columns of COPY_COLUMNS before `id`, tab-separated. */
  copyFields: string;
}

export function prepareEvent(event: Omit<AuditRecord, 'id'>): PreparedEvent {
  const parts = canonicalParts(event);
  return { parts, copyFields: copyFields(event, parts) };
}

/** The columns a batch is copied into: `id`, `prev_hash` and `hash` last, as they are known only under the lock. */
const COPY_COLUMNS =
  'at, type, actor_tenant, actor_object, actor_app, outcome, method, route, status, ip, user_agent, trace_id, ' +
  'details, id, prev_hash, hash';

/** COPY's text format: `\N` is null; backslash, tab, newline and carriage return are escaped; the rest is as is. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] as string) : value;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The same values as the canonical form, whose text of `at` and `details` it reuses. */
function copyFields(record: Omit<AuditRecord, 'id'>, { at, details }: CanonicalParts): string {
  return [
    at,
    copyText(record.type),
    copyText(record.actorTenant),
    copyText(record.actorObject),
    copyText(record.actorApp),
    copyText(record.outcome),
    copyText(record.method),
    copyText(record.route),
    record.status === null ? '\\N' : String(record.status),
    copyText(record.ip),
    copyText(record.userAgent),
    copyText(record.traceId),
    copyText(details),
  ].join('\t');
}

/** A batch in COPY's text format: one line per row, its prepared columns, then its id and both hashes. */
export function copyRows(rows: readonly ChainedRow[]): Buffer {
  return encodeRows(rows, (row) => `${row.event.copyFields}\t${row.id}\t${row.prevHash}\t${row.hash}\n`, '', '');
}

/**
 * A batch as one jsonb parameter in PostgreSQL's binary format (a version byte, 1, then the JSON text): a JSON array
 * of the rows, each row its canonical form (a JSON object of its columns, so what is stored is what was hashed) with
 * its hash added. For servers without COPY FROM STDIN (the embedded PGlite).
 */
export function jsonbRows(rows: ReadonlyArray<Pick<ChainedRow, 'canonical' | 'hash'>>): Buffer {
  return encodeRows(
    rows,
    // The canonical form's closing brace gives way to the hash member, which closes the object again.
    (row, index) => `${index === 0 ? '' : ','}${row.canonical.slice(0, -1)},"hash":"${row.hash}"}`,
    '\u0001[',
    ']',
  );
}

/**
 * Encodes each row straight into one buffer: joined into one string first (hundreds of KB), a batch costs twice as
 * much, and all of it in one turn of the event loop.
 */
function encodeRows<Row>(
  rows: readonly Row[],
  encode: (row: Row, index: number) => string,
  start: string,
  end: string,
): Buffer {
  const parts = [start, ...rows.map(encode), end];
  let bytes = 0;
  for (const part of parts) bytes += Buffer.byteLength(part);
  const buffer = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const part of parts) offset += buffer.write(part, offset);
  return buffer;
}

/** Events serialized in one go before a slice of the event loop is given back. */
const PREPARED_PER_TURN = 250;

/** The audit tables: chained appends under the head-row lock, retention behind checkpoints, chain reads. */
@Injectable()
export class AuditRepository {
  constructor(readonly database: DatabaseService) {}

  /**
   * Appends events in one transaction, chained after the current head. They are serialized first, a slice per
   * turn of the event loop, so a large batch never holds up requests for long.
   */
  async append(events: Omit<AuditRecord, 'id'>[]): Promise<void> {
    if (events.length === 0) return;
    const prepared: PreparedEvent[] = [];
    for (let start = 0; start < events.length; start += PREPARED_PER_TURN) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const event of events.slice(start, start + PREPARED_PER_TURN)) prepared.push(prepareEvent(event));
    }
    await this.database.transaction((tx) => this.appendIn(tx, prepared));
  }

  /**
   * The chain head row is locked FOR UPDATE, so instances append one after another and never fork the chain;
   * ids are reserved under the same lock, so id order is chain order. Then the rows go in by COPY (a bit over half
   * the database's work per row that parsing them from one jsonb parameter took) and the head advances; without COPY,
   * one statement does both. The head's guard runs at commit, when the rows are visible to it.
   */
  async appendIn(tx: Transaction, events: PreparedEvent[]): Promise<void> {
    const { head, ids } = await this.lockHeadReservingIds(tx, events.length);
    let prevHash = head.lastHash;
    const rows = events.map((event, index): ChainedRow => {
      const id = ids[index] as string;
      const canonical = joinCanonical(event.parts, id, prevHash);
      const row = { event, id, prevHash, canonical, hash: hashCanonical(canonical) };
      prevHash = row.hash;
      return row;
    });
    const last = rows[rows.length - 1] as ChainedRow;
    if (this.database.copyFromStdin) {
      await tx.copyFrom(
        { name: 'audit.copy-rows', text: `COPY audit_events (${COPY_COLUMNS}) FROM STDIN` },
        copyRows(rows),
      );
      await tx.query({
        name: 'audit.advance-head',
        text: 'UPDATE audit_chain_head SET last_id = $1, last_hash = $2 WHERE singleton',
        values: [last.id, last.hash],
      });
      return;
    }
    await tx.query({
      name: 'audit.insert-and-advance-head',
      text: `WITH inserted AS (
               INSERT INTO audit_events (${AUDIT_COLUMNS})
               SELECT id, at, type, "actorTenant", "actorObject", "actorApp", outcome, method, route, status, ip,
                      "userAgent", "traceId", details, "prevHash", hash
               FROM jsonb_to_recordset($1::jsonb) AS r(
                 id bigint, at timestamptz, type text, "actorTenant" text, "actorObject" text, "actorApp" text,
                 outcome text, method text, route text, status smallint, ip text, "userAgent" text, "traceId" text,
                 details jsonb, "prevHash" text, hash text)
             )
             UPDATE audit_chain_head SET last_id = $2, last_hash = $3 WHERE singleton`,
      values: [jsonbRows(rows), last.id, last.hash],
    });
  }

  /** Locks the head, then (the lateral join runs only on the locked row) reserves `count` ids in ascending order. */
  private async lockHeadReservingIds(tx: Queryable, count: number): Promise<{ head: ChainHead; ids: string[] }> {
    const rows = await tx.query<{ last_id: string | null; last_hash: string; ids: string[] }>({
      name: 'audit.lock-head-reserve-ids',
      text: `WITH head AS MATERIALIZED (
               SELECT last_id, last_hash FROM audit_chain_head WHERE singleton FOR UPDATE
             )
             SELECT head.last_id::text, head.last_hash, reserved.ids
             FROM head, LATERAL (
               SELECT array_agg(id ORDER BY id)::text[] AS ids FROM (
                 SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id
                 FROM generate_series(1, $1) WHERE head.last_hash IS NOT NULL
               ) AS ids
             ) AS reserved`,
      values: [count],
    });
    const row = rows[0];
    if (!row) throw new Error('audit_chain_head has no row: the audit migration did not run');
    return { head: { lastId: row.last_id, lastHash: row.last_hash }, ids: row.ids };
  }

  async lockHead(tx: Queryable): Promise<ChainHead> {
    const rows = await tx.query<{ last_id: string | null; last_hash: string }>({
      name: 'audit.lock-head',
      text: 'SELECT last_id::text, last_hash FROM audit_chain_head WHERE singleton FOR UPDATE',
    });
    const row = rows[0];
    if (!row) throw new Error('audit_chain_head has no row: the audit migration did not run');
    return { lastId: row.last_id, lastHash: row.last_hash };
  }

  /** The head as stored; undefined only if someone removed the row behind the triggers' back. */
  async head(db: Queryable = this.database): Promise<ChainHead | undefined> {
    const rows = await db.query<{ last_id: string | null; last_hash: string }>({
      name: 'audit.head',
      text: 'SELECT last_id::text, last_hash FROM audit_chain_head WHERE singleton',
    });
    const row = rows[0];
    return row && { lastId: row.last_id, lastHash: row.last_hash };
  }

  /** The oldest row at or before `throughId`: after a purge there should be none. */
  async oldestAtOrBefore(db: Queryable, throughId: string): Promise<string | undefined> {
    const rows = await db.query<{ id: string | null }>({
      name: 'audit.oldest-at-or-before',
      text: 'SELECT min(id)::text AS id FROM audit_events WHERE id <= $1',
      values: [throughId],
    });
    return rows[0]?.id ?? undefined;
  }

  async latestCheckpoint(db: Queryable = this.database): Promise<Checkpoint | undefined> {
    const rows = await db.query<{ through_id: string; through_hash: string }>({
      name: 'audit.latest-checkpoint',
      text: 'SELECT through_id::text, through_hash FROM audit_checkpoints c ORDER BY c.through_id DESC LIMIT 1',
    });
    const row = rows[0];
    return row && { throughId: row.through_id, throughHash: row.through_hash };
  }

  /** One page of the chain in id order, after `afterId`. */
  async chainPage(db: Queryable, afterId: string, limit: number): Promise<ChainedAuditRecord[]> {
    const rows = await db.query<AuditRow>({
      name: 'audit.chain-page',
      text: `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2`,
      values: [afterId, limit],
    });
    return rows.map(fromRow);
  }

  /**
   * Purges the oldest rows (a prefix of the chain, all older than `cutoff`) behind a checkpoint, and appends an
   * `audit.purged` event naming that checkpoint, all under the head lock. Returns how many rows went.
   */
  async purge(cutoff: Date, purgedEvent: (checkpoint: Checkpoint, rows: number) => Omit<AuditRecord, 'id'>) {
    return this.database.transaction(async (tx) => {
      await this.lockHead(tx);
      const through = await tx.query<{ id: string; hash: string; rows: string }>({
        name: 'audit.purge-through',
        text: `WITH first_kept AS (SELECT min(id) AS id FROM audit_events WHERE at >= $1),
                    last_checkpoint AS (SELECT coalesce(max(through_id), 0) AS id FROM audit_checkpoints)
               SELECT e.id::text, e.hash,
                      (SELECT count(*) FROM audit_events p WHERE p.id <= e.id AND p.id > (SELECT id FROM last_checkpoint))::text AS rows
               FROM audit_events e
               WHERE e.id > (SELECT id FROM last_checkpoint)
                 AND ((SELECT id FROM first_kept) IS NULL OR e.id < (SELECT id FROM first_kept))
               ORDER BY e.id DESC LIMIT 1`,
        values: [cutoff.toISOString()],
      });
      const last = through[0];
      if (!last) return 0;
      const checkpoint: Checkpoint = { throughId: last.id, throughHash: last.hash };
      await tx.query({
        name: 'audit.checkpoint',
        text: 'INSERT INTO audit_checkpoints (through_id, through_hash, purged_rows) VALUES ($1, $2, $3)',
        values: [checkpoint.throughId, checkpoint.throughHash, last.rows],
      });
      await tx.query({
        name: 'audit.purge',
        text: 'DELETE FROM audit_events WHERE id <= $1',
        values: [checkpoint.throughId],
      });
      const rows = Number(last.rows);
      await this.appendIn(tx, [prepareEvent(purgedEvent(checkpoint, rows))]);
      return rows;
    });
  }
}

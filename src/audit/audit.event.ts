/** Event types the audit room writes itself; the auth room's SecurityEventType values are recorded as given. */
export const AUDIT_EVENT_TYPES = {
  request: 'http.request',
  rateLimited: 'http.rate_limited',
  documentNotFound: 'documents.not_found',
  purged: 'audit.purged',
} as const;

/** success: the request or action went through; denied: refused for who the caller is; failure: other 4xx; error: 5xx. */
export type AuditOutcome = 'success' | 'denied' | 'failure' | 'error';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who acted. Set only from a verified token; absent for anonymous or refused callers. */
export interface AuditActor {
  tenantId?: string;
  /** Object id of a signed-in user. */
  objectId?: string;
  /** Object id of the service principal behind an app-only (client credentials) token. */
  appId?: string;
}

/** One event as the request path hands it to the writer; the writer adds id and hashes. */
export interface AuditEventInput {
  at: Date;
  type: string;
  outcome: AuditOutcome;
  actor: AuditActor;
  method?: string;
  /** Route template (`/v1/documents/:id`), never the raw path. */
  route?: string;
  status?: number;
  ip?: string;
  userAgent?: string;
  traceId?: string;
  /** Small, bounded facts (request id, reason code); undefined members are left out. */
  details?: Record<string, JsonValue | undefined>;
}

/** An event as stored: every optional field is an explicit null, so the canonical form is fixed. */
export interface AuditRecord {
  id: string;
  at: Date;
  type: string;
  actorTenant: string | null;
  actorObject: string | null;
  actorApp: string | null;
  outcome: AuditOutcome;
  method: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
  userAgent: string | null;
  traceId: string | null;
  details: Record<string, JsonValue>;
}

export interface ChainedAuditRecord extends AuditRecord {
  prevHash: string;
  hash: string;
}

const MAX_TEXT = 512;
const MAX_DETAIL_DEPTH = 4;
const MAX_DETAIL_ENTRIES = 32;

/**
 * Makes a string storable exactly as given: no NUL (PostgreSQL text and jsonb refuse it), bounded length, and
 * lone surrogates replaced the way UTF-8 encoding does, so the row read back hashes the same as the row written.
 */
export function storableText(value: string | undefined | null, max = MAX_TEXT): string | null {
  if (value === undefined || value === null) return null;
  const text = (value.includes('\u0000') ? value.replaceAll('\u0000', '') : value).slice(0, max);
  // What a UTF-8 round trip does to lone surrogates (a cut may have split a pair), without the round trip.
  return text.isWellFormed() ? text : text.toWellFormed();
}

function storableJson(value: unknown, depth: number): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return storableText(value);
  if (depth >= MAX_DETAIL_DEPTH) return null;
  if (Array.isArray(value)) return value.slice(0, MAX_DETAIL_ENTRIES).map((item) => storableJson(item, depth + 1));
  if (typeof value === 'object') return storableDetails(value as Record<string, unknown>, depth + 1);
  return null;
}

function storableDetails(details: Record<string, unknown>, depth = 0): Record<string, JsonValue> {
  const entries = Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .slice(0, MAX_DETAIL_ENTRIES)
    .map(([key, value]) => [storableText(key, 64) ?? '', storableJson(value, depth)] as const);
  return Object.fromEntries(entries);
}

/** The stored shape of an input event (still without id): what the hash will cover. */
export function toStorable(event: AuditEventInput): Omit<AuditRecord, 'id'> {
  const at = Number.isNaN(event.at.getTime()) ? new Date() : event.at;
  return {
    at,
    type: storableText(event.type, 64) ?? 'unknown',
    actorTenant: storableText(event.actor.tenantId, 64),
    actorObject: storableText(event.actor.objectId, 64),
    actorApp: storableText(event.actor.appId, 64),
    outcome: event.outcome,
    method: storableText(event.method, 16),
    route: storableText(event.route, 256),
    status: event.status !== undefined && Number.isInteger(event.status) ? event.status : null,
    ip: storableText(event.ip, 64),
    userAgent: storableText(event.userAgent),
    traceId: storableText(event.traceId, 128),
    details: storableDetails(event.details ?? {}),
  };
}

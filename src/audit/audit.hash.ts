import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';
import type { AuditRecord } from './audit.event';

/** prev_hash of the very first row of a chain that has never been purged. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical form of a row: RFC 8785 (JSON Canonicalization Scheme) over every column but the hashes,
 * plus the previous hash. Key order, number formatting and string escaping are fixed by the RFC, so the
 * same row read back from PostgreSQL (jsonb reorders keys) serializes to the same bytes.
 */
export function canonicalRow(prevHash: string, record: AuditRecord): string {
  const canonical = canonicalize({
    prevHash,
    id: record.id,
    at: record.at.toISOString(),
    type: record.type,
    actorTenant: record.actorTenant,
    actorObject: record.actorObject,
    actorApp: record.actorApp,
    outcome: record.outcome,
    method: record.method,
    route: record.route,
    status: record.status,
    ip: record.ip,
    userAgent: record.userAgent,
    traceId: record.traceId,
    details: record.details,
  });
  if (canonical === undefined) throw new TypeError('audit record is not serializable');
  return canonical;
}

/** SHA-256 (hex) over the previous row's hash and this row's canonical form: the link of the chain. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return hash('sha256', canonicalRow(prevHash, record), 'hex');
}

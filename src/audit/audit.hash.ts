import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';
import type { AuditRecord } from './audit.event';

/** prev_hash of the very first row of a chain that has never been purged. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical form of a row: RFC 8785 (JSON Canonicalization Scheme) over every column but the hashes,
 * plus the previous hash. Key order, number formatting and string escaping are fixed by the RFC, so the
 * same row read back from PostgreSQL (jsonb reorders keys) serializes to the same bytes.
 *
 * The columns are strings, numbers and nulls under fixed keys, and the RFC serializes those as JSON.stringify
 * does, so they are written here in the RFC's key order; only `details`, of any shape, goes through the library.
 * A spec holds this byte-equal to the library's form of the whole row (this is what every stored hash covers).
 */
export function canonicalRow(prevHash: string, record: AuditRecord): string {
  const details = canonicalize(record.details);
  if (details === undefined) throw new TypeError('audit record details are not serializable');
  return (
    `{"actorApp":${text(record.actorApp)},"actorObject":${text(record.actorObject)},` +
    `"actorTenant":${text(record.actorTenant)},"at":"${record.at.toISOString()}","details":${details},` +
    `"id":${text(record.id)},"ip":${text(record.ip)},"method":${text(record.method)},` +
    `"outcome":${text(record.outcome)},"prevHash":${text(prevHash)},"route":${text(record.route)},` +
    `"status":${JSON.stringify(record.status)},"traceId":${text(record.traceId)},"type":${text(record.type)},` +
    `"userAgent":${text(record.userAgent)}}`
  );
}

/** A string column, or null, as RFC 8785 writes it. */
function text(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/** SHA-256 (hex) over the previous row's hash and this row's canonical form: the link of the chain. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return hash('sha256', canonicalRow(prevHash, record), 'hex');
}

import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';
import type { AuditRecord } from './audit.event';

/** prev_hash of the very first row of a chain that has never been purged. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * A row's canonical form: RFC 8785 (JSON Canonicalization Scheme) over every column but the hashes, plus the
 * previous hash. Key order, number formatting and string escaping are fixed by the RFC, so the same row read back
 * from PostgreSQL (jsonb reorders keys) serializes to the same bytes.
 *
 * The columns are strings, numbers and nulls under fixed keys, and the RFC serializes those as JSON.stringify
 * does, so they are written here in the RFC's key order; only `details`, of any shape, goes through the library.
 * The form is cut around the id and the previous hash, which the writer learns only under the chain-head lock: the
 * rest is built before the lock is taken. A spec holds the joined form byte-equal to the library's form of the
 * whole row (this is what every stored hash covers).
 */
export interface CanonicalParts {
  /** From `{` to `"id":`. */
  head: string;
  /** From after the id to `"prevHash":`. */
  middle: string;
  /** From after the previous hash to `}`. */
  tail: string;
  /** `at` and `details` as the form writes them (inside head), for the COPY encoding of the same row. */
  at: string;
  details: string;
}

export function canonicalParts(record: Omit<AuditRecord, 'id'>): CanonicalParts {
  const details = canonicalize(record.details);
  if (details === undefined) throw new TypeError('audit record details are not serializable');
  const at = record.at.toISOString();
  return {
    head:
      `{"actorApp":${text(record.actorApp)},"actorObject":${text(record.actorObject)},` +
      `"actorTenant":${text(record.actorTenant)},"at":"${at}","details":${details},"id":`,
    middle: `,"ip":${text(record.ip)},"method":${text(record.method)},"outcome":${text(record.outcome)},"prevHash":`,
    tail:
      `,"route":${text(record.route)},"status":${JSON.stringify(record.status)},"traceId":${text(record.traceId)},` +
      `"type":${text(record.type)},"userAgent":${text(record.userAgent)}}`,
    at,
    details,
  };
}

export function canonicalRow(prevHash: string, record: AuditRecord): string {
  return joinCanonical(canonicalParts(record), record.id, prevHash);
}

/** SHA-256 (hex) over the previous row's hash and this row's canonical form: the link of the chain. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return hashCanonical(canonicalRow(prevHash, record));
}

/** The canonical form of a row whose parts were built beforehand, once its id and previous hash are known. */
export function joinCanonical(parts: CanonicalParts, id: string, prevHash: string): string {
  return parts.head + text(id) + parts.middle + text(prevHash) + parts.tail;
}

/** The chain hash of a canonical form (which covers the previous hash). */
export function hashCanonical(canonical: string): string {
  return hash('sha256', canonical, 'hex');
}

/** A string column, or null, as RFC 8785 writes it. */
function text(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

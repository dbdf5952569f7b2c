import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { DocumentView } from './documents.schemas';

interface DocumentRow {
  tenant_id: string;
  id: string;
  name: string;
  content_type: string;
  size_bytes: string;
  sha256: string | null;
  status: 'pending' | 'available' | 'removed';
  object_key: string;
  upload_id: string | null;
  upload_expires_at: Date | null;
  event_sequencer: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface StoredDocument extends DocumentView {
  objectKey: string;
  /** The multipart upload in progress, if any. */
  uploadId: string | null;
  /** True for a multipart document, its upload open, completed or aborted. */
  multipart: boolean;
  /** Sequencer of the last S3 event applied to the object. */
  eventSequencer: string | null;
}

export interface NewDocument {
  tenantId: string;
  id: string;
  ownerObjectId: string;
  name: string;
  contentType: string;
  size: number;
  sha256?: string;
  objectKey: string;
  /** A multipart upload's id and when its part URLs expire. */
  upload?: { id: string; expiresAt: string };
}

/** What an S3 event does to the document: make it available, mark it removed (if available), or only advance. */
export type ObjectEventEffect = 'available' | 'removed' | 'none';

export interface ExpiredUpload {
  tenantId: string;
  id: string;
  objectKey: string;
  uploadId: string;
}

export interface PageKey {
  createdAt: string;
  id: string;
}

const COLUMNS =
  'tenant_id, id, name, content_type, size_bytes, sha256, status, object_key, upload_id, upload_expires_at, event_sequencer, created_at, updated_at';

function toDocument(row: DocumentRow): StoredDocument {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size_bytes),
    sha256: row.sha256,
    status: row.status,
    objectKey: row.object_key,
    uploadId: row.upload_id,
    multipart: row.upload_expires_at !== null,
    eventSequencer: row.event_sequencer,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Document metadata in PostgreSQL; every statement is scoped by tenant_id. */
@Injectable()
export class DocumentsRepository {
  constructor(private readonly database: DatabaseService) {}

  async insert(document: NewDocument): Promise<StoredDocument> {
    const rows = await this.database.query<DocumentRow>({
      name: 'documents.insert',
      text: `INSERT INTO documents (tenant_id, id, owner_object_id, name, content_type, size_bytes, sha256, status, object_key,
                                     upload_id, upload_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) RETURNING ${COLUMNS}`,
      values: [
        document.tenantId,
        document.id,
        document.ownerObjectId,
        document.name,
        document.contentType,
        document.size,
        document.sha256 ?? null,
        document.objectKey,
        document.upload?.id ?? null,
        document.upload?.expiresAt ?? null,
      ],
    });
    return toDocument(rows[0] as DocumentRow);
  }

  async find(tenantId: string, id: string): Promise<StoredDocument | undefined> {
    const rows = await this.database.query<DocumentRow>({
      name: 'documents.find',
      text: `SELECT ${COLUMNS} FROM documents WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] && toDocument(rows[0]);
  }

  async markAvailable(tenantId: string, id: string): Promise<StoredDocument | undefined> {
    const rows = await this.database.query<DocumentRow>({
      name: 'documents.mark-available',
      text: `UPDATE documents SET status = 'available', upload_id = NULL, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      values: [tenantId, id],
    });
    return rows[0] && toDocument(rows[0]);
  }

  /**
   * Applies an S3 event with `sequencer` unless an event ordered after it was applied already (S3's rule: compare
   * sequencers left-padded to equal length). Undefined when the document is gone or the event is stale.
   */
  async applyObjectEvent(
    tenantId: string,
    id: string,
    sequencer: string,
    effect: ObjectEventEffect,
  ): Promise<StoredDocument | undefined> {
    const rows = await this.database.query<DocumentRow>({
      name: 'documents.apply-object-event',
      text: `UPDATE documents
             SET status = CASE WHEN $4 = 'available' THEN 'available'
                               WHEN $4 = 'removed' AND status = 'available' THEN 'removed'
                               ELSE status END,
                 upload_id = CASE WHEN $4 = 'available' THEN NULL ELSE upload_id END,
                 event_sequencer = $3,
                 updated_at = now()
             WHERE tenant_id = $1 AND id = $2
               AND (event_sequencer IS NULL OR lpad(event_sequencer, 64, '0') < lpad($3, 64, '0'))
             RETURNING ${COLUMNS}`,
      values: [tenantId, id, sequencer, effect],
    });
    return rows[0] && toDocument(rows[0]);
  }

  /** Pending multipart uploads whose part URLs expired more than `graceSeconds` ago, oldest first (all tenants). */
  async findExpiredUploads(graceSeconds: number, limit: number): Promise<ExpiredUpload[]> {
    const rows = await this.database.query<{ tenant_id: string; id: string; object_key: string; upload_id: string }>({
      name: 'documents.find-expired-uploads',
      text: `SELECT tenant_id, id, object_key, upload_id FROM documents
             WHERE upload_id IS NOT NULL AND status = 'pending'
               AND upload_expires_at < now() - make_interval(secs => $1)
             ORDER BY upload_expires_at LIMIT $2`,
      values: [graceSeconds, limit],
    });
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      id: row.id,
      objectKey: row.object_key,
      uploadId: row.upload_id,
    }));
  }

  /**
   * Moves a pending multipart upload's expiry to its fresh part URLs' (so the sweeper leaves it alone); false when
   * the upload is no longer the document's (completed, aborted by the sweeper, or the document moved on).
   */
  async extendUpload(tenantId: string, id: string, uploadId: string, expiresAt: string): Promise<boolean> {
    const rows = await this.database.query({
      name: 'documents.extend-upload',
      text: `UPDATE documents SET upload_expires_at = $4
             WHERE tenant_id = $1 AND id = $2 AND upload_id = $3 AND status = 'pending' RETURNING id`,
      values: [tenantId, id, uploadId, expiresAt],
    });
    return rows.length === 1;
  }

  /** Forgets a multipart upload once it was completed or aborted (only if it is still the document's upload). */
  async clearUpload(tenantId: string, id: string, uploadId: string): Promise<void> {
    await this.database.query({
      name: 'documents.clear-upload',
      text: `UPDATE documents SET upload_id = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND upload_id = $3`,
      values: [tenantId, id, uploadId],
    });
  }

  /** Newest first; `after` is the last item of the previous page. */
  async list(tenantId: string, limit: number, after?: PageKey): Promise<StoredDocument[]> {
    const rows = await this.database.query<DocumentRow>(
      after
        ? {
            name: 'documents.list-after',
            text: `SELECT ${COLUMNS} FROM documents WHERE tenant_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
                   ORDER BY created_at DESC, id DESC LIMIT $4`,
            values: [tenantId, after.createdAt, after.id, limit],
          }
        : {
            name: 'documents.list',
            text: `SELECT ${COLUMNS} FROM documents WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
            values: [tenantId, limit],
          },
    );
    return rows.map(toDocument);
  }

  async delete(tenantId: string, id: string): Promise<StoredDocument | undefined> {
    const rows = await this.database.query<DocumentRow>({
      name: 'documents.delete',
      text: `DELETE FROM documents WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      values: [tenantId, id],
    });
    return rows[0] && toDocument(rows[0]);
  }
}

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
  status: 'pending' | 'available';
  object_key: string;
  created_at: Date;
  updated_at: Date;
}

export interface StoredDocument extends DocumentView {
  objectKey: string;
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
}

export interface PageKey {
  createdAt: string;
  id: string;
}

const COLUMNS = 'tenant_id, id, name, content_type, size_bytes, sha256, status, object_key, created_at, updated_at';

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
      text: `INSERT INTO documents (tenant_id, id, owner_object_id, name, content_type, size_bytes, sha256, status, object_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING ${COLUMNS}`,
      values: [
        document.tenantId,
        document.id,
        document.ownerObjectId,
        document.name,
        document.contentType,
        document.size,
        document.sha256 ?? null,
        document.objectKey,
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
      text: `UPDATE documents SET status = 'available', updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      values: [tenantId, id],
    });
    return rows[0] && toDocument(rows[0]);
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

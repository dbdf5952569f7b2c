import { createHash } from 'node:crypto';
import { call, type Json } from './app';

/** The upload spec POST /v1/documents answers. */
export interface UploadSpec {
  method: 'PUT' | 'POST';
  url: string;
  headers: Record<string, string>;
  fields?: Record<string, string>;
  expiresAt: string;
  uploadId?: string;
  partSize?: number;
  parts?: Array<{ partNumber: number; url: string; size: number }>;
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export async function createDocument(
  baseUrl: string,
  token: string,
  body: { name: string; contentType: string; size: number; sha256?: string; uploadMethod?: 'PUT' | 'POST' },
): Promise<{ status: number; id: string; upload: UploadSpec; body: Json['body'] }> {
  const created = await call(`${baseUrl}/v1/documents`, { method: 'POST', token, json: body });
  return {
    status: created.status,
    id: (created.body.document as { id: string } | undefined)?.id ?? '',
    upload: created.body.upload as UploadSpec,
    body: created.body,
  };
}

/** Uploads `content` the way the spec says, as a client would: one PUT, a form POST, or PUT per part. */
export async function uploadContent(
  upload: UploadSpec,
  content: Buffer,
): Promise<{ status: number; parts?: Array<{ partNumber: number; etag: string }> }> {
  if (upload.parts) {
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const part of upload.parts) {
      const start = (part.partNumber - 1) * (upload.partSize ?? 0);
      const body = new Uint8Array(content.subarray(start, start + part.size));
      const response = await fetch(part.url, { method: 'PUT', headers: upload.headers, body });
      if (response.status !== 200) return { status: response.status };
      parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' });
    }
    return { status: 200, parts };
  }
  if (upload.method === 'POST') {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(content)]), 'upload.bin');
    return { status: (await fetch(upload.url, { method: 'POST', body: form })).status };
  }
  const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(content) });
  return { status: response.status };
}

export async function downloadContent(baseUrl: string, token: string, id: string): Promise<Buffer> {
  const download = await call(`${baseUrl}/v1/documents/${id}/download`, { token });
  if (download.status !== 200)
    throw new Error(`download answered ${download.status}: ${JSON.stringify(download.body)}`);
  const response = await fetch(download.body.url as string);
  if (response.status !== 200) throw new Error(`presigned GET answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Polls `check` every 50 ms until it returns true (at most `attempts` times). */
export async function eventually(check: () => Promise<boolean>, attempts = 400): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

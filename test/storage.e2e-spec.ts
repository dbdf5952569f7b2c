import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpiredUploadsSweeper } from '../src/documents/documents.sweeper';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';
import { createDocument, downloadContent, sha256Hex, uploadContent } from './support/uploads';

const MIB = 1024 ** 2;
const OTHER_TENANT = '5b0e1f7a-3c2d-4e8f-9a6b-7c8d9e0f1a2b';

/** The real app on its embedded S3 endpoint (s3rver), with a 5 MiB multipart threshold and part size. */
describe('document uploads through presigned PUT, POST and multipart', () => {
  let app: TestApp;
  let writer: string;
  let stranger: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      S3_MULTIPART_PART_BYTES: String(5 * MIB),
    });
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    stranger = await app.token({ roles: ['Documents.Read', 'Documents.Write'], tenantId: OTHER_TENANT });
    cleanup = async () => {
      await app.close();
      await database.drop();
      await dir.remove();
    };
  });
  afterAll(async () => cleanup?.());

  const complete = (id: string, json?: unknown, token = writer) =>
    call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token, json });

  it('PUT: the declared type, length and checksum are signed; complete, then the same bytes download', async () => {
    const content = Buffer.from('%PDF-1.7 presigned put');
    const created = await createDocument(app.url, writer, {
      name: 'put.pdf',
      contentType: 'application/pdf',
      size: content.length,
      sha256: sha256Hex(content),
    });
    expect(created.status).toBe(201);
    expect(created.upload).toMatchObject({ method: 'PUT', headers: { 'content-length': String(content.length) } });
    expect(created.upload.headers['x-amz-checksum-sha256']).toBe(
      Buffer.from(sha256Hex(content), 'hex').toString('base64'),
    );
    expect((await uploadContent(created.upload, content)).status).toBe(200);
    expect((await complete(created.id)).status).toBe(200);
    expect((await downloadContent(app.url, writer, created.id)).equals(content)).toBe(true);
  });

  it('POST: a browser form upload with an exact-key policy, completed and downloaded', async () => {
    const content = Buffer.from('name,amount\nalice,3\n');
    const created = await createDocument(app.url, writer, {
      name: 'form.csv',
      contentType: 'text/csv',
      size: content.length,
      sha256: sha256Hex(content),
      uploadMethod: 'POST',
    });
    expect(created.status).toBe(201);
    expect(created.upload.method).toBe('POST');
    expect(created.upload.fields).toMatchObject({
      key: expect.stringMatching(new RegExp(`^tenants/[0-9a-f-]{36}/documents/${created.id}$`)),
      'Content-Type': 'text/csv',
    });
    expect((await uploadContent(created.upload, content)).status).toBe(204);
    expect((await complete(created.id)).body.document).toMatchObject({ status: 'available' });
    expect((await downloadContent(app.url, writer, created.id)).equals(content)).toBe(true);
  });

  it('POST: more bytes than declared are refused at completion (409) and removed', async () => {
    const created = await createDocument(app.url, writer, {
      name: 'short.txt',
      contentType: 'text/plain',
      size: 4,
      uploadMethod: 'POST',
    });
    // s3rver does not enforce the policy's content-length-range (S3 would refuse the form): completion must.
    expect((await uploadContent(created.upload, Buffer.from('four and more'))).status).toBe(204);
    const refused = await complete(created.id);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/size/);
    expect((await complete(created.id)).body.detail).toMatch(/No content/);
  });

  it('multipart: presigned parts, complete with their ETags, the assembled bytes download', async () => {
    const content = randomBytes(11 * MIB);
    const created = await createDocument(app.url, writer, {
      name: 'big.bin',
      contentType: 'application/octet-stream',
      size: content.length,
      sha256: sha256Hex(content),
    });
    expect(created.status).toBe(201);
    const upload = created.upload;
    expect(upload).toMatchObject({ method: 'PUT', partSize: 5 * MIB, uploadId: expect.any(String) });
    expect(upload.parts?.map((part) => [part.partNumber, part.size])).toEqual([
      [1, 5 * MIB],
      [2, 5 * MIB],
      [3, MIB],
    ]);
    expect(upload.url).toBe(upload.parts?.[0]?.url);
    const uploaded = await uploadContent(upload, content);
    expect(uploaded.status).toBe(200);

    const withoutParts = await complete(created.id);
    expect(withoutParts.status).toBe(400);
    expect((await complete(created.id, { parts: uploaded.parts?.slice(0, 2) })).status).toBe(400);
    expect((await complete(created.id, { parts: uploaded.parts }, stranger)).status).toBe(404);

    const completed = await complete(created.id, { parts: uploaded.parts });
    expect(completed.status).toBe(200);
    expect(completed.body.document).toMatchObject({ status: 'available', size: content.length });
    expect((await downloadContent(app.url, writer, created.id)).equals(content)).toBe(true);
  });

  it('multipart: content that differs from the declared checksum is refused (409) and removed', async () => {
    const content = randomBytes(6 * MIB);
    const created = await createDocument(app.url, writer, {
      name: 'tampered.bin',
      contentType: 'application/octet-stream',
      size: content.length,
      sha256: sha256Hex(content),
    });
    const tampered = Buffer.from(content);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0xff;
    const uploaded = await uploadContent(created.upload, tampered);
    const refused = await complete(created.id, { parts: uploaded.parts });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/checksum/);
    expect((await call(`${app.url}/v1/documents/${created.id}/download`, { token: writer })).status).toBe(409);
    expect((await complete(created.id)).status).toBe(409);
  });

  it('keeps every document route of a pending multipart upload to its tenant: 404 for another', async () => {
    const content = randomBytes(6 * MIB);
    const created = await createDocument(app.url, writer, {
      name: 'private.bin',
      contentType: 'application/octet-stream',
      size: content.length,
    });
    const uploaded = await uploadContent(created.upload, content);
    for (const [method, path, json] of [
      ['GET', '', undefined],
      ['GET', '/download', undefined],
      ['POST', '/complete', undefined],
      ['POST', '/complete', { parts: uploaded.parts }],
      ['POST', '/upload', undefined],
      ['DELETE', '', undefined],
    ] as const) {
      const response = await call(`${app.url}/v1/documents/${created.id}${path}`, { method, token: stranger, json });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const list = await call(`${app.url}/v1/documents?limit=100`, { token: stranger });
    expect((list.body.items as Array<{ id: string }>).map((item) => item.id)).not.toContain(created.id);
    // The stranger's DELETE aborted nothing: the owner still completes the upload.
    expect((await complete(created.id, { parts: uploaded.parts })).status).toBe(200);
    expect((await call(`${app.url}/v1/documents/${created.id}`, { method: 'DELETE', token: writer })).status).toBe(204);
  });

  it('deletes a document whose multipart upload is still open', async () => {
    const created = await createDocument(app.url, writer, {
      name: 'abandoned.bin',
      contentType: 'application/octet-stream',
      size: 6 * MIB,
    });
    expect((await call(`${app.url}/v1/documents/${created.id}`, { method: 'DELETE', token: writer })).status).toBe(204);
    expect((await call(`${app.url}/v1/documents/${created.id}`, { token: writer })).status).toBe(404);
  });

  it('renews the upload instructions of a pending document, for its tenant only; the renewed upload completes', async () => {
    const renew = (id: string, json?: unknown, token = writer) =>
      call(`${app.url}/v1/documents/${id}/upload`, { method: 'POST', token, json });

    // Multipart: the same upload and parts, signed anew; its expiry moves with them.
    const content = randomBytes(6 * MIB);
    const big = await createDocument(app.url, writer, {
      name: 'slow-link.bin',
      contentType: 'application/octet-stream',
      size: content.length,
      sha256: sha256Hex(content),
    });
    expect((await renew(big.id, undefined, stranger)).status).toBe(404);
    const renewed = await renew(big.id);
    expect(renewed.status).toBe(200);
    const upload = renewed.body.upload as typeof big.upload;
    expect(upload).toMatchObject({ uploadId: big.upload.uploadId, partSize: big.upload.partSize });
    expect(upload.parts?.map((part) => [part.partNumber, part.size])).toEqual(
      big.upload.parts?.map((part) => [part.partNumber, part.size]),
    );
    expect(Date.parse(upload.expiresAt)).toBeGreaterThanOrEqual(Date.parse(big.upload.expiresAt));
    const uploaded = await uploadContent(upload, content);
    expect(uploaded.status).toBe(200);
    expect((await complete(big.id, { parts: uploaded.parts })).status).toBe(200);
    expect((await downloadContent(app.url, writer, big.id)).equals(content)).toBe(true);
    // Nothing left to upload.
    expect((await renew(big.id)).status).toBe(409);

    // A single upload: the declared length and checksum signed again; or a form, on request.
    const small = Buffer.from('renewed single upload');
    const single = await createDocument(app.url, writer, {
      name: 'single.txt',
      contentType: 'text/plain',
      size: small.length,
      sha256: sha256Hex(small),
    });
    const form = await renew(single.id, { uploadMethod: 'POST' });
    expect(form.status).toBe(200);
    expect((form.body.upload as typeof single.upload).fields).toBeDefined();
    const put = await renew(single.id);
    expect((put.body.upload as typeof single.upload).headers).toMatchObject(single.upload.headers);
    expect((await uploadContent(put.body.upload as typeof single.upload, small)).status).toBe(200);
    expect((await complete(single.id)).status).toBe(200);
    expect((await renew(single.id, { uploadMethod: 'GET' })).status).toBe(400);
  });

  it('documents the upload shapes and the completion body in OpenAPI', async () => {
    const openapi = JSON.stringify((await call(`${app.url}/openapi.json`)).body);
    for (const name of ['uploadMethod', 'uploadId', 'partSize', 'partNumber', 'etag', 'fields', 'removed']) {
      expect(openapi, name).toContain(`"${name}"`);
    }
  });

  it('refuses a form upload above 5 GiB and a parts list for a single upload', async () => {
    const huge = await createDocument(app.url, writer, {
      name: 'huge.bin',
      contentType: 'application/octet-stream',
      size: 5 * 1024 ** 3 + 1,
      uploadMethod: 'POST',
    });
    expect(huge.status).toBe(400);
    const single = await createDocument(app.url, writer, { name: 'a.txt', contentType: 'text/plain', size: 1 });
    expect((await complete(single.id, { parts: [{ partNumber: 1, etag: '"x"' }] })).status).toBe(400);
  });
});

describe('expired multipart uploads', () => {
  it('are aborted by the sweeper once their part URLs expired; completing then answers 409', async () => {
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    const app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_MULTIPART_THRESHOLD_BYTES: String(5 * MIB),
      // Long enough that the first sweep below comes before expiry even on a slow, shared machine.
      S3_UPLOAD_URL_TTL_SECONDS: '4',
      S3_MULTIPART_ABORT_AFTER_SECONDS: '0',
      DOCUMENT_UPLOAD_SWEEP_INTERVAL_MS: '0',
    });
    try {
      const writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
      const created = await createDocument(app.url, writer, {
        name: 'late.bin',
        contentType: 'application/octet-stream',
        size: 6 * MIB,
      });
      const sweeper = app.running.app.get(ExpiredUploadsSweeper);
      expect(await sweeper.sweep()).toBe(0);
      const expired = Date.parse(created.upload.expiresAt) + 1_100 - Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(expired, 0)));
      // The endpoint itself refuses the expired part URL.
      expect((await uploadContent(created.upload, randomBytes(6 * MIB))).status).toBe(403);
      expect(await sweeper.sweep()).toBe(1);
      expect(await sweeper.sweep()).toBe(0);
      // Aborted: there is no upload left to renew.
      const renewed = await call(`${app.url}/v1/documents/${created.id}/upload`, { method: 'POST', token: writer });
      expect(renewed.status).toBe(409);
      const late = await call(`${app.url}/v1/documents/${created.id}/complete`, {
        method: 'POST',
        token: writer,
        json: {
          parts: [
            { partNumber: 1, etag: '"0"' },
            { partNumber: 2, etag: '"1"' },
          ],
        },
      });
      expect(late.status).toBe(409);
    } finally {
      await app.close();
      await database.drop();
      await dir.remove();
    }
  });
});

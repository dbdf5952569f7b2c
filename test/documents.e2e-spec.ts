import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';

const OTHER_TENANT = '3f1c8a52-9d4e-4b7a-8c21-6e5f4d3c2b1a';
const content = Buffer.from('%PDF-1.7\nNavius end-to-end test document\n');
const sha256Hex = createHash('sha256').update(content).digest('hex');

interface Mode {
  name: string;
  env(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

const modes: Mode[] = [
  { name: 'embedded defaults (PGlite, in-process cache)', env: async () => ({ env: {}, cleanup: async () => {} }) },
  {
    name: 'real PostgreSQL and Redis',
    env: async () => {
      const database = await freshDatabase();
      return {
        env: {
          DATABASE_URL: database.url,
          REDIS_URL: 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: `t-${randomUUID()}:`,
        },
        cleanup: database.drop,
      };
    },
  },
];

describe.each(modes)('documents API against $name', (mode) => {
  let app: TestApp;
  let writer: string;
  let reader: string;
  let stranger: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir();
    const { env, cleanup: dropEnv } = await mode.env();
    app = await startApp({ LOCAL_DATA_DIR: dir.path, ...env });
    cleanup = async () => {
      await app.close();
      await dropEnv();
      await dir.remove();
    };
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    reader = await app.token({ roles: ['Documents.Read'] });
    stranger = await app.token({ roles: ['Documents.Read', 'Documents.Write'], tenantId: OTHER_TENANT });
  });

  afterAll(async () => cleanup?.());

  async function createDocument(name = 'report.pdf', extra: Record<string, unknown> = {}) {
    return call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      json: { name, contentType: 'application/pdf', size: content.length, sha256: sha256Hex, ...extra },
    });
  }

  async function upload(created: Awaited<ReturnType<typeof createDocument>>, body: Buffer<ArrayBuffer> = content) {
    const target = created.body.upload as { method: string; url: string; headers: Record<string, string> };
    return fetch(target.url, { method: target.method, headers: target.headers, body });
  }

  it('creates, uploads, completes, reads, downloads, lists and deletes a document', async () => {
    const created = await createDocument();
    expect(created.status).toBe(201);
    const document = created.body.document as { id: string; status: string; tenantId: string };
    expect(document.status).toBe('pending');
    const uploadSpec = created.body.upload as { method: string; headers: Record<string, string>; expiresAt: string };
    expect(uploadSpec.method).toBe('PUT');
    expect(uploadSpec.headers['content-type']).toBe('application/pdf');
    expect(Date.parse(uploadSpec.expiresAt)).toBeGreaterThan(Date.now());

    expect((await upload(created)).status).toBe(200);

    const completed = await call(`${app.url}/v1/documents/${document.id}/complete`, { method: 'POST', token: writer });
    expect(completed.status).toBe(200);
    expect((completed.body.document as { status: string }).status).toBe('available');

    const read = await call(`${app.url}/v1/documents/${document.id}`, { token: reader });
    expect(read.status).toBe(200);
    expect(read.body.document).toMatchObject({ id: document.id, name: 'report.pdf', size: content.length });

    const download = await call(`${app.url}/v1/documents/${document.id}/download`, { token: reader });
    expect(download.status).toBe(200);
    const fetched = await fetch(download.body.url as string);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(content)).toBe(true);
    expect(fetched.headers.get('content-disposition')).toContain('attachment');

    const list = await call(`${app.url}/v1/documents`, { token: reader });
    expect((list.body.items as Array<{ id: string }>).map((item) => item.id)).toContain(document.id);

    const deleted = await call(`${app.url}/v1/documents/${document.id}`, { method: 'DELETE', token: writer });
    expect(deleted.status).toBe(204);
    expect((await call(`${app.url}/v1/documents/${document.id}`, { token: reader })).status).toBe(404);
    expect((await fetch(download.body.url as string)).status).toBe(404);
  });

  it('pages through the list with an opaque cursor, newest first, without repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(((await createDocument(`page-${i}.pdf`)).body.document as { id: string }).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await call(`${app.url}/v1/documents${query}`, { token: reader });
      expect(page.status).toBe(200);
      const items = page.body.items as Array<{ id: string }>;
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((item) => item.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });

  it('lets no cache keep an answer, and sends the security headers with answers and problems alike', async () => {
    const created = await createDocument('headers.pdf');
    const problem = await call(`${app.url}/v1/documents/not-a-uuid`, { token: reader });
    for (const response of [created, problem]) {
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('answers a known path asked with a method it lacks 405 with Allow, an unknown path 404', async () => {
    const path = '/v1/documents/00000000-0000-4000-8000-000000000001';
    const patch = await call(`${app.url}${path}`, { method: 'PATCH', token: writer, json: { name: 'x' } });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, DELETE');
    expect(patch.headers.get('content-type')).toContain('application/problem+json');
    expect(patch.body).toMatchObject({ status: 405, title: 'Method not allowed', instance: path });
    const put = await call(`${app.url}/v1/documents?limit=1`, { method: 'PUT', token: writer, json: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await call(`${app.url}/v1/nothing-here`, { method: 'PATCH', token: writer })).status).toBe(404);
  });

  it('takes a query parameter given empty as not given, and refuses one given twice by name', async () => {
    const blank = await call(`${app.url}/v1/documents?limit=&cursor=`, { token: reader });
    expect(blank.status).toBe(200);
    const first = await call(`${app.url}/v1/documents`, { token: reader });
    expect(blank.body).toEqual(first.body);

    const twice = await call(`${app.url}/v1/documents?limit=2&limit=3`, { token: reader });
    expect(twice.status).toBe(400);
    expect(twice.headers.get('content-type')).toContain('application/problem+json');
    expect(twice.body.errors).toEqual([{ field: 'limit', message: 'must be given once' }]);
  });

  it('refuses completion until the content is there, and when it differs (the object is removed)', async () => {
    const created = await createDocument('mismatch.pdf');
    const id = (created.body.document as { id: string }).id;
    const early = await call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toContain('application/problem+json');

    const target = created.body.upload as { url: string; headers: Record<string, string> };
    const wrong = Buffer.alloc(content.length, 0x41);
    // The embedded endpoint checks no signatures or checksums, so the wrong bytes land; completion must catch it.
    await fetch(target.url, { method: 'PUT', headers: target.headers, body: wrong });
    const refused = await call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/checksum/);
    const again = await call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/No content/);
  });

  it('keeps every tenant to its own documents: another tenant gets 404 on every route', async () => {
    const created = await createDocument('private.pdf');
    await upload(created);
    const id = (created.body.document as { id: string }).id;
    await call(`${app.url}/v1/documents/${id}/complete`, { method: 'POST', token: writer });

    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/download'],
      ['POST', '/complete'],
      ['POST', '/upload'],
      ['DELETE', ''],
    ] as const) {
      const response = await call(`${app.url}/v1/documents/${id}${path}`, { method, token: stranger });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const list = await call(`${app.url}/v1/documents?limit=100`, { token: stranger });
    expect((list.body.items as Array<{ id: string }>).map((item) => item.id)).not.toContain(id);
    expect((await call(`${app.url}/v1/documents/${id}`, { token: reader })).status).toBe(200);
  });

  it('answers bad input with 4xx problem+json naming the fields', async () => {
    const invalid = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      json: { name: '', contentType: 'not a type', size: -1, sha256: 'xyz', extra: true },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    const fields = (invalid.body.errors as Array<{ field: string }>).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'contentType', 'size', 'sha256']));
    expect(invalid.body).toMatchObject({ status: 400, title: 'Invalid request', instance: '/v1/documents' });

    const tooBig = await createDocument('huge.bin', { size: 6 * 1024 ** 3 });
    expect(tooBig.status).toBe(400);

    for (const path of [
      '/v1/documents/not-a-uuid',
      "/v1/documents/1' OR '1'='1",
      '/v1/documents?limit=0',
      '/v1/documents?cursor=bogus',
    ]) {
      const response = await call(`${app.url}${path}`, { token: reader });
      expect(response.status, path).toBe(400);
      expect(response.body.type).toMatch(/^https:\/\//);
    }

    const malformed = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);

    const oversized = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: writer,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(200_000) }),
    });
    expect(oversized.status).toBe(413);
    expect(oversized.headers.get('content-type')).toContain('application/problem+json');

    const unknown = await call(`${app.url}/v1/nothing-here`, { token: reader });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses missing or bad tokens with 401 and missing permissions with 403', async () => {
    const missing = await call(`${app.url}/v1/documents`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(missing.headers.get('content-type')).toContain('application/problem+json');

    const garbage = await call(`${app.url}/v1/documents`, { token: 'not.a.jwt' });
    expect(garbage.status).toBe(401);

    const forbidden = await call(`${app.url}/v1/documents`, {
      method: 'POST',
      token: reader,
      json: { name: 'a.txt', contentType: 'text/plain', size: 1 },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
  });

  it('reports the caller on /v1/me', async () => {
    const me = await call(`${app.url}/v1/me`, { token: reader });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ roles: ['Documents.Read'], appOnly: false });
    expect(typeof me.body.tenantId).toBe('string');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApp, tempDir } from './support/app';

describe('the local profile keeps its data across a restart', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => dir.remove());

  it('serves the same document, content and tokens after the service restarts', async () => {
    const content = Buffer.from('kept across restarts');
    const first = await startApp({ LOCAL_DATA_DIR: dir.path });
    const token = await first.token({ roles: ['Documents.Read', 'Documents.Write'] });
    const created = await call(`${first.url}/v1/documents`, {
      method: 'POST',
      token,
      json: {
        name: 'kept.txt',
        contentType: 'text/plain',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
    });
    const id = (created.body.document as { id: string }).id;
    const upload = created.body.upload as { url: string; headers: Record<string, string> };
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: content })).status).toBe(200);
    expect((await call(`${first.url}/v1/documents/${id}/complete`, { method: 'POST', token })).status).toBe(200);
    await first.close();

    const second = await startApp({ LOCAL_DATA_DIR: dir.path });
    try {
      // The token minted before the restart still verifies: the issuer key persisted.
      const read = await call(`${second.url}/v1/documents/${id}`, { token });
      expect(read.status).toBe(200);
      expect(read.body.document).toMatchObject({ id, name: 'kept.txt', status: 'available' });
      const download = await call(`${second.url}/v1/documents/${id}/download`, { token });
      const fetched = await fetch(download.body.url as string);
      expect(Buffer.from(await fetched.arrayBuffer()).toString()).toBe(content.toString());
    } finally {
      await second.close();
    }
  });
});

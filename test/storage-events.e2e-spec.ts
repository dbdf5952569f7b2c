import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalS3 } from '../src/local/local-s3';
import { LocalSqs } from '../src/local/local-sqs';
import { call, freshDatabase, startApp, tempDir, type TestApp } from './support/app';
import { createDocument, eventually, sha256Hex, uploadContent } from './support/uploads';

const BUCKET = 'navius-events-e2e';

/**
 * The real app consuming S3 event notifications from an SQS-compatible queue on loopback (fauxqs), with the real
 * PostgreSQL. The embedded S3 endpoint's own object events are forwarded to the queue in S3's notification format;
 * the ordering tests publish hand-written notifications through the real SQS client instead.
 */
describe('S3 event notifications applied to documents', () => {
  let app: TestApp;
  let s3: LocalS3;
  let sqs: LocalSqs;
  let sqsClient: SQSClient;
  let s3Client: S3Client;
  let writer: string;
  let forwardEvents: () => void;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    // The shared AWS credentials of the app (default chain): s3rver's own fixed keys.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    const [dir, database] = await Promise.all([tempDir(), freshDatabase()]);
    s3 = await LocalS3.start({ dataDir: dir.path, bucket: BUCKET });
    sqs = await LocalSqs.start({ visibilityTimeoutSeconds: 2 });
    const unsubscribe = s3.onObjectEvent((notification) => void sqs.send(JSON.stringify(notification)));
    forwardEvents = unsubscribe;
    app = await startApp({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: BUCKET,
      S3_EVENTS_QUEUE_URL: sqs.queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      S3_EVENTS_WAIT_SECONDS: '1',
    });
    writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    sqsClient = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint, credentials: { ...s3.credentials } });
    s3Client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { ...s3.credentials },
    });
    cleanup = async () => {
      unsubscribe();
      await app.close();
      sqsClient.destroy();
      s3Client.destroy();
      await sqs.stop();
      await s3.stop();
      await database.drop();
      await dir.remove();
      vi.unstubAllEnvs();
    };
  });
  afterAll(async () => cleanup?.());

  const documentOf = async (id: string) =>
    (await call(`${app.url}/v1/documents/${id}`, { token: writer })).body.document as {
      status: string;
      updatedAt: string;
    };
  const statusBecomes = (id: string, status: string) =>
    eventually(async () => (await documentOf(id)).status === status);
  const queueDrained = () =>
    eventually(async () => {
      const depth = await sqs.depth();
      return depth.ready + depth.inflight === 0;
    });

  it('marks an uploaded document available without the client calling complete', async () => {
    const content = Buffer.from('uploaded, never completed by the client');
    const created = await createDocument(app.url, writer, {
      name: 'auto.txt',
      contentType: 'text/plain',
      size: content.length,
      sha256: sha256Hex(content),
    });
    expect((await uploadContent(created.upload, content)).status).toBe(200);
    expect(await statusBecomes(created.id, 'available')).toBe(true);
  });

  it('verifies the object before marking it available: different content is deleted, the document stays pending', async () => {
    const content = Buffer.from('the declared content');
    const created = await createDocument(app.url, writer, {
      name: 'wrong.txt',
      contentType: 'text/plain',
      size: content.length,
      sha256: sha256Hex(content),
    });
    // s3rver does not check the signed checksum, so the wrong bytes land and S3 reports ObjectCreated.
    expect((await uploadContent(created.upload, Buffer.alloc(content.length, 0x41))).status).toBe(200);
    expect(await queueDrained()).toBe(true);
    expect((await documentOf(created.id)).status).toBe('pending');
    const complete = await call(`${app.url}/v1/documents/${created.id}/complete`, { method: 'POST', token: writer });
    expect(complete.body.detail).toMatch(/No content/);
  });

  it('marks a document removed when its object is deleted behind the API', async () => {
    const content = Buffer.from('deleted out of band');
    const created = await createDocument(app.url, writer, { name: 'gone.txt', contentType: 'text/plain', size: 19 });
    await uploadContent(created.upload, content);
    expect(await statusBecomes(created.id, 'available')).toBe(true);
    const key = new URL(created.upload.url).pathname.replace(`/${BUCKET}/`, '');
    await s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await statusBecomes(created.id, 'removed')).toBe(true);
    const download = await call(`${app.url}/v1/documents/${created.id}/download`, { token: writer });
    expect(download.status).toBe(409);
  });

  describe('with hand-written notifications', () => {
    let key: string;
    let id: string;

    beforeAll(async () => {
      forwardEvents();
      const content = Buffer.from('ordered by sequencer');
      const created = await createDocument(app.url, writer, {
        name: 'ordered.txt',
        contentType: 'text/plain',
        size: content.length,
      });
      await uploadContent(created.upload, content);
      id = created.id;
      key = new URL(created.upload.url).pathname.replace(`/${BUCKET}/`, '');
    });

    function notification(eventName: string, sequencer: string) {
      return {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: new Date().toISOString(),
            eventName,
            s3: {
              s3SchemaVersion: '1.0',
              configurationId: 'documents',
              bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
              object: eventName.startsWith('ObjectCreated')
                ? { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 20, eTag: 'abc', sequencer }
                : { key: encodeURIComponent(key).replace(/%2F/g, '/'), sequencer },
            },
          },
        ],
      };
    }

    async function publish(...notifications: unknown[]): Promise<void> {
      const sent = await sqsClient.send(
        new SendMessageBatchCommand({
          QueueUrl: sqs.queueUrl,
          Entries: notifications.map((body, index) => ({ Id: String(index), MessageBody: JSON.stringify(body) })),
        }),
      );
      expect(sent.Failed ?? []).toEqual([]);
      expect(await queueDrained()).toBe(true);
    }

    it('applies duplicates once and ignores an older event delivered late', async () => {
      await publish(
        notification('ObjectCreated:Put', '00000000000000A0'),
        notification('ObjectCreated:Put', '00000000000000A0'),
        notification('ObjectRemoved:Delete', '0000000000000090'),
      );
      const applied = await documentOf(id);
      expect(applied.status).toBe('available');

      // The same events again, in another order: nothing changes, not even updatedAt.
      await publish(
        notification('ObjectRemoved:Delete', '0000000000000090'),
        notification('ObjectCreated:Put', '00000000000000A0'),
      );
      expect(await documentOf(id)).toEqual(applied);
    });

    it('keeps the newest event when a removal overtakes an older creation', async () => {
      await publish(notification('ObjectRemoved:Delete', '00000000000000C0'), notification('ObjectCreated:Put', 'B0'));
      // The object still exists, but ObjectRemoved is the later event for this key.
      expect((await documentOf(id)).status).toBe('removed');
      await publish(notification('ObjectCreated:Put', '00000000000000D0'));
      expect((await documentOf(id)).status).toBe('available');
    });
  });
});

import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSqs } from '../local/local-sqs';
import { isLaterSequencer, parseS3Notification, type StorageObjectEvent } from './storage.event-records';
import { StorageEvents } from './storage.events';
import { StorageModule } from './storage.module';

const BUCKET = 'navius-events';

/** One record exactly as S3 writes it to SQS (event notification structure, version 2.1). */
function s3Record(eventName: string, key: string, sequencer: string, bucket = BUCKET) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-27T10:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5W' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'navius-documents',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: eventName.startsWith('ObjectRemoved')
        ? { key, sequencer }
        : { key, size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer },
    },
  };
}

describe('parseS3Notification', () => {
  it('decodes S3 notification records: form-encoded keys, event kinds, sequencers', () => {
    const parsed = parseS3Notification(
      JSON.stringify({
        Records: [
          s3Record('ObjectCreated:Put', 'tenants/a/My+Report+%281%29.pdf', '0055aed6dcd90281e5'),
          s3Record('ObjectRemoved:DeleteMarkerCreated', 'x%2By', '0055AED6DCD90281E6'),
          s3Record('ObjectRestore:Completed', 'ignored', '01'),
        ],
      }),
    );
    expect(parsed).toEqual({
      events: [
        expect.objectContaining({
          kind: 'created',
          eventName: 'ObjectCreated:Put',
          bucket: BUCKET,
          key: 'tenants/a/My Report (1).pdf',
          size: 1024,
          sequencer: '0055AED6DCD90281E5',
        }),
        expect.objectContaining({ kind: 'removed', key: 'x+y', size: undefined, sequencer: '0055AED6DCD90281E6' }),
      ],
    });
  });

  it('unwraps S3 → SNS → SQS envelopes and ignores the s3:TestEvent and anything that is not a notification', () => {
    const inner = JSON.stringify({ Records: [s3Record('ObjectCreated:Post', 'k', '0A')] });
    expect(parseS3Notification(JSON.stringify({ Type: 'Notification', Message: inner }))).toMatchObject({
      events: [{ kind: 'created', key: 'k' }],
    });
    const testEvent = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-27T10:00:00.000Z', Bucket: BUCKET };
    expect(parseS3Notification(JSON.stringify(testEvent))).toEqual({ ignored: 's3:TestEvent' });
    expect(parseS3Notification('not json')).toHaveProperty('ignored');
    expect(parseS3Notification(JSON.stringify({ Records: [{ eventSource: 'aws:sqs' }] }))).toHaveProperty('ignored');
  });

  it('orders sequencers as S3 says: left-pad the shorter with zeros, then compare', () => {
    expect(isLaterSequencer('0055AED6DCD90281E6', '0055AED6DCD90281E5')).toBe(true);
    expect(isLaterSequencer('55AED6DCD90281E6', '0055AED6DCD90281E5')).toBe(true);
    expect(isLaterSequencer('0055AED6DCD90281E5', '0055AED6DCD90281E5')).toBe(false);
    expect(isLaterSequencer('FF', '0100')).toBe(false);
    expect(isLaterSequencer('01', null)).toBe(true);
  });
});

describe('StorageEvents consuming a loopback SQS queue', () => {
  const received: StorageObjectEvent[] = [];
  let failNext = 0;
  let sqs: LocalSqs;
  let client: SQSClient;
  let close: () => Promise<void>;

  @Injectable()
  class Recorder implements OnModuleInit {
    constructor(private readonly events: StorageEvents) {}
    onModuleInit(): void {
      this.events.onObjectEvent(async (event) => {
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('database down');
        }
        received.push(event);
      });
    }
  }

  beforeAll(async () => {
    sqs = await LocalSqs.start({ visibilityTimeoutSeconds: 1 });
    client = new SQSClient({
      region: 'us-east-1',
      endpoint: sqs.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    @Module({
      imports: [
        StorageModule.forRoot({
          bucket: BUCKET,
          region: 'us-east-1',
          endpoint: 'http://127.0.0.1:9',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          eventsQueueUrl: sqs.queueUrl,
          eventsEndpoint: sqs.endpoint,
          eventsWaitSeconds: 1,
        }),
      ],
      providers: [Recorder],
    })
    class TestModule {}
    const context = await NestFactory.createApplicationContext(TestModule, { logger: false });
    expect(context.get(StorageEvents).running).toBe(true);
    close = () => context.close();
  });

  afterAll(async () => {
    await close?.();
    client?.destroy();
    await sqs?.stop();
  });

  async function publish(...bodies: unknown[]): Promise<void> {
    const entries = bodies.map((body, index) => ({
      Id: String(index),
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }));
    const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: sqs.queueUrl, Entries: entries }));
    expect(sent.Failed ?? []).toEqual([]);
  }

  async function drained(count: number): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const depth = await sqs.depth();
      if (received.length >= count && depth.ready + depth.inflight === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('hands every record of this bucket to the handler and deletes the messages; junk is dropped', async () => {
    received.length = 0;
    await publish(
      { Records: [s3Record('ObjectCreated:Put', 'a', '01'), s3Record('ObjectRemoved:Delete', 'a', '02')] },
      { Records: [s3Record('ObjectCreated:Put', 'other-bucket-key', '03', 'someone-elses-bucket')] },
      '{"not":"an S3 event"}',
    );
    await drained(2);
    expect(received.map((event) => [event.kind, event.key, event.sequencer])).toEqual([
      ['created', 'a', '01'],
      ['removed', 'a', '02'],
    ]);
    expect(await sqs.depth()).toEqual({ ready: 0, inflight: 0 });
  });

  it('leaves a message whose handling failed on the queue, and applies it when SQS delivers it again', async () => {
    received.length = 0;
    failNext = 1;
    await publish({ Records: [s3Record('ObjectCreated:Put', 'retry-me', '0A')] });
    await drained(1);
    expect(failNext).toBe(0);
    expect(received.map((event) => event.key)).toEqual(['retry-me']);
    expect(await sqs.depth()).toEqual({ ready: 0, inflight: 0 });
  });
});

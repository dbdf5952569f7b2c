import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AddressInfo } from 'node:net';

export interface LocalSqsOptions {
  /** Queue created at start. Default `navius-s3-events`. */
  queueName?: string;
  /** Seconds a received message stays invisible before redelivery. Default 30. */
  visibilityTimeoutSeconds?: number;
}

interface Closable {
  close(): Promise<unknown>;
}

/**
 * An SQS-compatible endpoint on loopback (fauxqs, in memory), for tests and local runs of the S3 event consumer:
 * the real `@aws-sdk/client-sqs` talks to it (CreateQueue, ReceiveMessage with long polling, DeleteMessage,
 * SendMessage(Batch), GetQueueAttributes). fauxqs is a devDependency: this never runs in the `aws` profile.
 */
export class LocalSqs {
  private constructor(
    private readonly server: Closable,
    private readonly client: SQSClient,
    readonly endpoint: string,
    readonly queueUrl: string,
  ) {}

  static async start(options: LocalSqsOptions = {}): Promise<LocalSqs> {
    // Loaded lazily; listening on loopback only (fauxqs's own starter binds every interface).
    const { buildApp } = await import('fauxqs');
    const app = buildApp({ logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const client = new SQSClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: options.queueName ?? 'navius-s3-events',
        Attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30) },
      }),
    );
    if (!created.QueueUrl) throw new Error('The loopback SQS endpoint returned no queue URL');
    return new LocalSqs(app, client, endpoint, created.QueueUrl);
  }

  /** Enqueues one message body, as S3 does when it delivers a notification. */
  async send(body: string): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body }));
  }

  /** Messages waiting (ready or delayed) and in flight (received, not yet deleted). */
  async depth(): Promise<{ ready: number; inflight: number }> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesDelayed',
          'ApproximateNumberOfMessagesNotVisible',
        ],
      }),
    );
    return {
      ready: Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesDelayed),
      inflight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    };
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.server.close();
  }
}

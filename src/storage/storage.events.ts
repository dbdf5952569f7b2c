import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { awsErrorCode } from '../aws/aws.errors';
import { STORAGE_DEFAULTS, StorageClients } from './storage.clients';
import { parseS3Notification, type StorageObjectEvent } from './storage.event-records';

/** Applies one object event; throwing leaves the message on the queue to be delivered again. */
export type StorageEventHandler = (event: StorageObjectEvent) => Promise<void>;

const MAX_BACKOFF_MS = 30_000;

// Loaded on first use: a deployment without an events queue never loads the SQS client.
const loadSqs = () => Promise.all([import('@aws-sdk/client-sqs'), import('sqs-consumer')]);
type Consumer = InstanceType<Awaited<ReturnType<typeof loadSqs>>[1]['Consumer']>;

/**
 * Consumes the bucket's S3 event notifications from SQS (sqs-consumer: long polling, delete after success) and
 * hands each ObjectCreated/ObjectRemoved record of the bucket to the one subscribed handler. Delivery is at least
 * once and unordered, so the handler must be idempotent and order events by their `sequencer`. A message that is
 * not an S3 notification is dropped with a warning; one whose handling fails stays for redelivery (and the queue's
 * dead-letter redrive).
 */
@Injectable()
export class StorageEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StorageEvents.name);
  private handler?: StorageEventHandler;
  private consumer?: Consumer;
  private sqs?: SQSClient;
  private backoffMs = 0;

  constructor(private readonly clients: StorageClients) {}

  /** Subscribes the handler of object events (one per application: the documents room). */
  onObjectEvent(handler: StorageEventHandler): void {
    this.handler = handler;
  }

  /** True while the consumer polls its queue. */
  get running(): boolean {
    return this.consumer?.status.isRunning ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    const queueUrl = this.clients.options.eventsQueueUrl;
    if (!queueUrl) return;
    if (!this.handler) {
      this.logger.warn('S3 events queue configured but nothing handles object events; not consuming');
      return;
    }
    const [{ SQSClient }, { Consumer }] = await loadSqs();
    const waitSeconds = this.clients.options.eventsWaitSeconds ?? STORAGE_DEFAULTS.eventsWaitSeconds;
    this.sqs = sqsClient(SQSClient, this.clients, queueUrl, waitSeconds);
    const consumer = Consumer.create({
      queueUrl,
      sqs: this.sqs,
      batchSize: 10,
      waitTimeSeconds: waitSeconds,
      strictReturn: true,
      handleMessage: (message) => this.handleMessage(message),
    });
    consumer.on('error', (error, message) => this.onError(error, message));
    consumer.on('processing_error', (error, message) =>
      this.logger.warn(`S3 event message ${message.MessageId} not applied, left for redelivery: ${error.message}`),
    );
    consumer.on('empty', () => this.resetBackoff());
    consumer.on('response_processed', () => this.resetBackoff());
    consumer.start();
    this.consumer = consumer;
    this.logger.log(`Consuming S3 event notifications from ${queueUrl}`);
  }

  onApplicationShutdown(): void {
    this.consumer?.stop({ abort: true });
    this.sqs?.destroy();
  }

  /** Applies every object event of one SQS message, in record order; resolves with the message to delete it. */
  async handleMessage(message: Message): Promise<Message> {
    const parsed = parseS3Notification(message.Body ?? '');
    if ('ignored' in parsed) {
      this.logger.warn(`Dropped SQS message ${message.MessageId}: ${parsed.ignored}`);
      return message;
    }
    const handler = this.handler;
    if (!handler) throw new Error('No handler of S3 object events');
    for (const event of parsed.events) {
      if (event.bucket !== this.clients.primary.bucket) {
        this.logger.warn(`Ignored ${event.eventName} of bucket ${event.bucket}: not the documents bucket`);
        continue;
      }
      await handler(event);
    }
    return message;
  }

  private onError(error: Error, message: Message | Message[] | undefined): void {
    if (message !== undefined) {
      this.logger.warn(`SQS could not delete or extend S3 event messages: ${error.message}`);
      return;
    }
    // Receive failed (queue unreachable, circuit open): wait longer before each new attempt.
    this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(1_000, this.backoffMs * 2));
    this.consumer?.updateOption('pollingWaitTimeMs', this.backoffMs);
    const cause = (error as Error & { cause?: unknown }).cause;
    this.logger.warn(`Receiving S3 events failed (${awsErrorCode(cause ?? error)}); next poll in ${this.backoffMs} ms`);
  }

  private resetBackoff(): void {
    if (this.backoffMs === 0) return;
    this.backoffMs = 0;
    this.consumer?.updateOption('pollingWaitTimeMs', 0);
    this.logger.log('Receiving S3 events again');
  }
}

/**
 * An SQS client from the AWS core's factory (retries, timeouts, circuit breaker `sqs`, call metrics) with the
 * storage room's credentials, in the queue's own region.
 */
function sqsClient(
  SQSClientClass: typeof SQSClient,
  clients: StorageClients,
  queueUrl: string,
  waitSeconds: number,
): SQSClient {
  const factory = clients.factory;
  return factory.create(SQSClientClass, {
    service: 'sqs',
    region: /^https:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1],
    endpoint: clients.options.eventsEndpoint,
    credentials: clients.credentials,
    // A long poll holds the request open for up to waitSeconds.
    requestTimeoutMs: waitSeconds * 1000 + factory.settings.requestTimeoutMs,
  });
}

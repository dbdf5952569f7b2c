import { z } from 'zod';

/** One object change S3 reported, decoded from its event notification. */
export interface StorageObjectEvent {
  kind: 'created' | 'removed';
  /** S3's event name without the `s3:` prefix, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: string;
  bucket: string;
  /** The object key, URL-decoded (S3 sends it form-encoded: spaces as `+`). */
  key: string;
  size?: number;
  eTag?: string;
  /** Orders the events of one key: upper-case hex, compared after left-padding to equal length. */
  sequencer: string;
  eventTime: string;
}

/** What one SQS message held: object events, or a reason to drop it. */
export type ParsedNotification = { events: StorageObjectEvent[] } | { ignored: string };

const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().min(1),
  eventTime: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().regex(/^[0-9A-Fa-f]{1,64}$/),
    }),
  }),
});
const notificationSchema = z.object({ Records: z.array(z.unknown()) });
const testEventSchema = z.object({ Event: z.literal('s3:TestEvent') });
// S3 → SNS → SQS delivers the notification as the SNS envelope's Message string.
const snsEnvelopeSchema = z.object({ Type: z.literal('Notification'), Message: z.string() });

/** Parses an SQS message body holding an S3 event notification (directly or inside an SNS envelope). */
export function parseS3Notification(body: string): ParsedNotification {
  let json = parseJson(body);
  const envelope = snsEnvelopeSchema.safeParse(json);
  if (envelope.success) json = parseJson(envelope.data.Message);
  if (testEventSchema.safeParse(json).success) return { ignored: 's3:TestEvent' };
  const notification = notificationSchema.safeParse(json);
  if (!notification.success) return { ignored: 'not an S3 event notification' };
  const events: StorageObjectEvent[] = [];
  for (const raw of notification.data.Records) {
    const record = recordSchema.safeParse(raw);
    if (!record.success) return { ignored: 'a record is not an S3 object event' };
    const event = toEvent(record.data);
    if (event) events.push(event);
  }
  return { events };
}

/** True when sequencer `a` orders after `b` (S3: pad the shorter with leading zeros, then compare as strings). */
export function isLaterSequencer(a: string, b: string | null | undefined): boolean {
  if (b === null || b === undefined) return true;
  const width = Math.max(a.length, b.length);
  return a.toUpperCase().padStart(width, '0') > b.toUpperCase().padStart(width, '0');
}

function toEvent(record: z.output<typeof recordSchema>): StorageObjectEvent | undefined {
  const eventName = record.eventName.replace(/^s3:/, '');
  const kind = eventName.startsWith('ObjectCreated:')
    ? 'created'
    : eventName.startsWith('ObjectRemoved:')
      ? 'removed'
      : undefined;
  const key = decodeKey(record.s3.object.key);
  if (kind === undefined || key === undefined) return undefined;
  return {
    kind,
    eventName,
    bucket: record.s3.bucket.name,
    key,
    size: record.s3.object.size,
    eTag: record.s3.object.eTag,
    sequencer: record.s3.object.sequencer.toUpperCase(),
    eventTime: record.eventTime,
  };
}

function decodeKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

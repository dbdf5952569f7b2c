import { z } from 'zod';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
// type/subtype with optional parameters, RFC 9110 token characters only.
const MEDIA_TYPE =
  /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[a-z0-9!#$&^_.+-]+))*$/i;

export const documentIdSchema = z.uuid({ message: 'must be a UUID' });

export function createDocumentSchema(maxBytes: number) {
  return z
    .strictObject({
      name: z
        .string()
        .trim()
        .min(1)
        .max(255)
        .refine((name) => !/\p{Cc}/u.test(name), 'must not contain control characters'),
      contentType: z.string().max(255).regex(MEDIA_TYPE, 'must be a media type such as application/pdf'),
      size: z.number().int().min(0).max(maxBytes, `must be at most ${maxBytes} bytes`),
      sha256: z
        .string()
        .refine((value) => HEX_SHA256.test(value) || BASE64_SHA256.test(value), 'must be a SHA-256 in hex or base64')
        .transform((value) => (HEX_SHA256.test(value) ? Buffer.from(value, 'hex').toString('base64') : value))
        .optional(),
      uploadMethod: z
        .enum(['PUT', 'POST'])
        .default('PUT')
        .describe(
          'PUT (default): a presigned PUT, or a multipart upload above the multipart threshold; ' +
            'POST: a browser form upload (at most 5 GiB)',
        ),
    })
    .describe('CreateDocument');
}
export type CreateDocumentInput = z.output<ReturnType<typeof createDocumentSchema>>;

export const completeDocumentSchema = z
  .strictObject({
    parts: z
      .array(
        z.strictObject({
          partNumber: z.number().int().min(1).max(10_000),
          etag: z.string().min(1).max(1024).describe('the ETag header S3 answered to the part PUT'),
        }),
      )
      .min(1)
      .max(10_000)
      .optional()
      .describe('multipart uploads only: every part, with its ETag'),
  })
  .describe('CompleteDocument');
export type CompleteDocumentInput = z.output<typeof completeDocumentSchema>;

export const renewUploadSchema = z
  .strictObject({
    uploadMethod: z
      .enum(['PUT', 'POST'])
      .default('PUT')
      .describe('as at creation; ignored for a multipart upload, whose parts keep their numbers and sizes'),
  })
  .describe('RenewUpload');
export type RenewUploadInput = z.output<typeof renewUploadSchema>;

export const listDocumentsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});
export type ListDocumentsQuery = z.output<typeof listDocumentsQuerySchema>;

export const documentSchema = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string().nullable().describe('base64 SHA-256 declared at creation'),
  status: z
    .enum(['pending', 'available', 'removed'])
    .describe('removed: the stored object was deleted outside the API (an S3 ObjectRemoved event)'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type DocumentView = z.output<typeof documentSchema>;

export const uploadSchema = z.object({
  method: z.enum(['PUT', 'POST']),
  url: z.url().describe('where to send the content; for a multipart upload, the first part URL'),
  headers: z.record(z.string(), z.string()).describe('headers the client must send with the upload (each part)'),
  fields: z
    .record(z.string(), z.string())
    .optional()
    .describe('POST only: form fields to send, in any order, before the file field (named `file`, last)'),
  expiresAt: z.iso.datetime(),
  uploadId: z.string().optional().describe('multipart only: the S3 upload id'),
  partSize: z.number().int().optional().describe('multipart only: bytes per part (the last part holds the rest)'),
  parts: z
    .array(z.object({ partNumber: z.number().int(), url: z.url(), size: z.number().int() }))
    .optional()
    .describe('multipart only: PUT exactly `size` bytes to each URL, keep each ETag answer, then complete with them'),
});

export const createdDocumentSchema = z.object({ document: documentSchema, upload: uploadSchema });
export const documentEnvelopeSchema = z.object({ document: documentSchema });
export const documentPageSchema = z.object({ items: z.array(documentSchema), nextCursor: z.string().nullable() });
export const downloadSchema = z.object({ url: z.url(), expiresAt: z.iso.datetime() });

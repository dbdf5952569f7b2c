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
    })
    .describe('CreateDocument');
}
export type CreateDocumentInput = z.output<ReturnType<typeof createDocumentSchema>>;

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
  status: z.enum(['pending', 'available']),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type DocumentView = z.output<typeof documentSchema>;

export const uploadSchema = z.object({
  method: z.literal('PUT'),
  url: z.url(),
  headers: z.record(z.string(), z.string()).describe('headers the client must send with the upload'),
  expiresAt: z.iso.datetime(),
});

export const createdDocumentSchema = z.object({ document: documentSchema, upload: uploadSchema });
export const documentEnvelopeSchema = z.object({ document: documentSchema });
export const documentPageSchema = z.object({ items: z.array(documentSchema), nextCursor: z.string().nullable() });
export const downloadSchema = z.object({ url: z.url(), expiresAt: z.iso.datetime() });

import { z } from 'zod';
import { InvalidInputError } from '../errors/domain-errors';
import type { PageKey } from './documents.repository';

const cursorSchema = z.strictObject({ t: z.iso.datetime(), i: z.uuid() });

/** Opaque keyset cursor: base64url JSON of the last item's creation time and id. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify({ t: key.createdAt, i: key.id })).toString('base64url');
}

export function decodeCursor(cursor: string): PageKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) {
    throw new InvalidInputError('Invalid query: cursor', [
      { field: 'cursor', message: 'is not a cursor this API issued' },
    ]);
  }
  return { createdAt: parsed.data.t, id: parsed.data.i };
}

import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** The OpenAPI 3.0 schema of a zod schema: request and response docs come from the same code that validates. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  return json as SchemaObject;
}

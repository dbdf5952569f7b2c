import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { InvalidInputError } from '../errors/domain-errors';

type Where = 'body' | 'query' | 'path';

/**
 * Parses a body, query or param with a zod schema; failures become a 400 naming every offending field.
 *
 * A query parameter given empty (`?limit=&cursor=`, as a URL template or an HTML form fills a blank) counts as not
 * given, so it takes its default. One given more than once (`?limit=2&limit=3`) is refused by name: which value was
 * meant is anyone's guess.
 */
@Injectable()
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(
    private readonly schema: Schema,
    private readonly where: Where = 'body',
  ) {}

  transform(value: unknown): z.output<Schema> {
    const input = this.where === 'query' ? queryParameters(value) : (value ?? {});
    const result = this.schema.safeParse(input);
    if (result.success) return result.data;
    throw invalid(
      this.where,
      result.error.issues.map((issue) => ({
        field: issue.path.length > 0 ? issue.path.join('.') : this.where,
        message: issue.message,
      })),
    );
  }
}

/** The query's parameters without the empty ones; a repeated parameter is refused. */
function queryParameters(query: unknown): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  const repeated: string[] = [];
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value)) repeated.push(name);
    else if (value !== '') parameters[name] = value;
  }
  if (repeated.length > 0) {
    throw invalid(
      'query',
      repeated.map((field) => ({ field, message: 'must be given once' })),
    );
  }
  return parameters;
}

function invalid(where: Where, errors: Array<{ field: string; message: string }>): InvalidInputError {
  // A field can fail more than one check (too big and not an integer): named once in the detail, every issue listed.
  const fields = [...new Set(errors.map((error) => error.field))];
  return new InvalidInputError(`Invalid ${where}: ${fields.join(', ')}`, errors);
}

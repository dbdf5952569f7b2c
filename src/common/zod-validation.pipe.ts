import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { InvalidInputError } from '../errors/domain-errors';

/** Parses a body, query or param with a zod schema; failures become a 400 naming every offending field. */
@Injectable()
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(
    private readonly schema: Schema,
    private readonly where: 'body' | 'query' | 'path' = 'body',
  ) {}

  transform(value: unknown): z.output<Schema> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const errors = result.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join('.') : this.where,
      message: issue.message,
    }));
    throw new InvalidInputError(`Invalid ${this.where}: ${errors.map((e) => e.field).join(', ')}`, errors);
  }
}

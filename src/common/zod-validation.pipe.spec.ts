import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../errors/domain-errors';
import { ZodValidationPipe } from './zod-validation.pipe';

const query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('ZodValidationPipe', () => {
  it('takes a query parameter given empty as not given', () => {
    const pipe = new ZodValidationPipe(query, 'query');
    expect(pipe.transform({ limit: '', cursor: '' })).toEqual({ limit: 20 });
    expect(pipe.transform({ limit: '5', cursor: 'abc' })).toEqual({ limit: 5, cursor: 'abc' });
    expect(pipe.transform(undefined)).toEqual({ limit: 20 });
  });

  it('refuses a query parameter given more than once, by name', () => {
    const error = refusal(() => new ZodValidationPipe(query, 'query').transform({ limit: ['2', '3'], cursor: 'a' }));
    expect(error.message).toBe('Invalid query: limit');
    expect(error.errors).toEqual([{ field: 'limit', message: 'must be given once' }]);
  });

  it('still refuses a bad query value and an unknown parameter', () => {
    const pipe = new ZodValidationPipe(query, 'query');
    expect(refusal(() => pipe.transform({ limit: '0' })).errors.map((issue) => issue.field)).toEqual(['limit']);
    expect(refusal(() => pipe.transform({ other: '1' })).errors.map((issue) => issue.field)).toEqual(['query']);
  });

  it('leaves a body as it is: an empty string there is a value to check', () => {
    const body = z.strictObject({ name: z.string().min(1) });
    const error = refusal(() => new ZodValidationPipe(body).transform({ name: '' }));
    expect(error.errors.map((issue) => issue.field)).toEqual(['name']);
  });

  it('names a field once in the detail when it fails more than one check, and lists every issue', () => {
    const size = z.strictObject({ size: z.number().int().max(10) });
    const error = refusal(() => new ZodValidationPipe(size).transform({ size: 1e30 }));
    expect(error.message).toBe('Invalid body: size');
    expect(error.errors.length).toBe(2);
  });
});

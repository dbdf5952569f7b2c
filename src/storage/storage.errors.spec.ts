import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, NotFoundError, UnavailableError } from '../errors/domain-errors';
import { isS3NotFound, mapS3Error } from './storage.errors';

function serviceError(name: string, status: number, fault: 'client' | 'server' = 'client'): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: fault,
    message: `${name} happened`,
    $metadata: { httpStatusCode: status, requestId: `req-${name}`, extendedRequestId: 'ext-1' },
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

describe('mapS3Error', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['SlowDown', serviceError('SlowDown', 503, 'server'), 2],
    ['Throttling', serviceError('ThrottlingException', 400), 2],
    ['429 without a code', serviceError('Unknown', 429), 2],
    ['InternalError', serviceError('InternalError', 500, 'server'), 5],
    ['503 ServiceUnavailable', serviceError('ServiceUnavailable', 503, 'server'), 5],
    ['any 5xx', serviceError('WeirdGatewayThing', 502, 'server'), 5],
    ['RequestTimeout', serviceError('RequestTimeout', 400), 5],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 5],
    ['ECONNRESET', networkError('ECONNRESET'), 5],
    ['ENOTFOUND', networkError('ENOTFOUND'), 5],
    ['TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 5],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 5],
  ])('maps %s to a retryable UnavailableError', (_label, error, retryAfter) => {
    const mapped = mapS3Error(error);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect((mapped as UnavailableError).dependency).toBe('storage');
    expect(mapped.headers()).toEqual({ 'retry-after': String(retryAfter) });
    expect(mapped.cause).toBe(error);
  });

  it.each([
    ['AccessDenied', serviceError('AccessDenied', 403)],
    ['a bare 403', serviceError('Forbidden', 403)],
    ['InvalidAccessKeyId', serviceError('InvalidAccessKeyId', 403)],
    ['ExpiredToken', serviceError('ExpiredToken', 400)],
    ['NoSuchBucket', serviceError('NoSuchBucket', 404)],
    ['KMS access denied', serviceError('KMS.AccessDeniedException', 403)],
  ])('treats %s as the service misconfigured: logged with the request id, 503 to the caller', (_label, error) => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const mapped = mapS3Error(error);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.status).toBe(503);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toContain(`requestId=${error.$metadata.requestId}`);
  });

  it('maps a missing object to NotFoundError', () => {
    const noSuchKey = new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } });
    const headNotFound = new NotFound({ message: 'gone', $metadata: { httpStatusCode: 404 } });
    expect(mapS3Error(noSuchKey)).toBeInstanceOf(NotFoundError);
    expect(mapS3Error(headNotFound)).toBeInstanceOf(NotFoundError);
    expect(isS3NotFound(noSuchKey)).toBe(true);
    expect(isS3NotFound(headNotFound)).toBe(true);
    expect(isS3NotFound(serviceError('AccessDenied', 403))).toBe(false);
  });

  it('passes domain errors through unchanged', () => {
    const conflict = new ConflictError('already there');
    expect(mapS3Error(conflict)).toBe(conflict);
  });

  it('rethrows errors it does not understand: they are bugs, not outages', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(() => mapS3Error(bug)).toThrow(bug);
    const badRequest = serviceError('InvalidArgument', 400);
    expect(() => mapS3Error(badRequest)).toThrow(badRequest);
  });
});

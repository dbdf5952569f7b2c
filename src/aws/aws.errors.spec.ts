import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Controller, Get, Logger, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../errors/domain-errors';
import { ProblemFilter } from '../errors/problem.filter';
import { AwsClientFactory } from './aws.client-factory';
import { CircuitOpenError, classifyAwsError, isAwsOutage, mapAwsError } from './aws.errors';
import { startFaultServer, TEST_CREDENTIALS, type FaultServer } from './aws.testing';

function serviceError(name: string, status: number, fault: 'client' | 'server' = 'client'): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: fault,
    message: `${name} happened`,
    $metadata: { httpStatusCode: status, requestId: `req-${name}` },
  });
}

describe('classifyAwsError and mapAwsError', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [serviceError('NoSuchKey', 404), 'not_found', NotFoundError, 404, undefined],
    [serviceError('PreconditionFailed', 412), 'conflict', ConflictError, 409, undefined],
    [serviceError('EntityTooLarge', 400), 'invalid_input', InvalidInputError, 400, undefined],
    [serviceError('SlowDown', 503, 'server'), 'throttled', UnavailableError, 503, '2'],
    [serviceError('ThrottlingException', 400), 'throttled', UnavailableError, 503, '2'],
    [serviceError('InternalError', 500, 'server'), 'unavailable', UnavailableError, 503, '5'],
    [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'unavailable',
      UnavailableError,
      503,
      '5',
    ],
    [serviceError('AccessDenied', 403), 'misconfigured', UnavailableError, 503, '30'],
    [serviceError('ExpiredToken', 400), 'misconfigured', UnavailableError, 503, '30'],
    [serviceError('NoSuchBucket', 404), 'misconfigured', UnavailableError, 503, '30'],
    [new CircuitOpenError('s3', 7), 'circuit_open', UnavailableError, 503, '7'],
  ])('%s → %s', (error, kind, domainClass, status, retryAfter) => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(classifyAwsError(error)).toBe(kind);
    const mapped = mapAwsError(error, { dependency: 'storage' });
    expect(mapped).toBeInstanceOf(domainClass);
    expect(mapped.status).toBe(status);
    expect(mapped.headers()['retry-after']).toBe(retryAfter);
  });

  it('logs misconfiguration with the AWS request id, once', () => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    mapAwsError(serviceError('KMS.AccessDeniedException', 403), { dependency: 'storage' });
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toContain('requestId=req-KMS.AccessDeniedException');
  });

  it('rethrows what it does not understand, and counts only real outages against the breaker', () => {
    const bug = new TypeError('x is undefined');
    expect(() => mapAwsError(bug, { dependency: 'storage' })).toThrow(bug);
    expect(isAwsOutage(serviceError('InternalError', 500, 'server'))).toBe(true);
    expect(isAwsOutage(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
    expect(isAwsOutage(serviceError('SlowDown', 503, 'server'))).toBe(false);
    expect(isAwsOutage(serviceError('NoSuchKey', 404))).toBe(false);
  });
});

describe('AWS failures as HTTP answers (real SDK, real exception filter)', () => {
  let server: FaultServer;
  let app: NestFastifyApplication;

  @Controller('object')
  class ObjectController {
    private readonly client = AwsClientFactory.standalone({
      region: 'eu-west-1',
      credentials: { static: TEST_CREDENTIALS },
      endpoints: { s3: server.endpoint },
      maxAttempts: 1,
      circuitBreaker: { failureThreshold: 1_000, halfOpenAfterMs: 1_000 },
    }).create(S3Client, { service: 's3' });

    @Get(':key')
    async read(@Param('key') key: string): Promise<{ ok: true }> {
      try {
        await this.client.send(new GetObjectCommand({ Bucket: 'docs', Key: key }));
        return { ok: true };
      } catch (error) {
        throw mapAwsError(error, { dependency: 'storage' });
      }
    }
  }

  beforeAll(async () => {
    server = await startFaultServer();
    @Module({ controllers: [ObjectController] })
    class ObjectModule {}
    app = await NestFactory.create<NestFastifyApplication>(ObjectModule, new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it.each([
    [{ status: 404, code: 'NoSuchKey' }, 404, undefined],
    [{ status: 409, code: 'OperationAborted' }, 409, undefined],
    [{ status: 400, code: 'EntityTooLarge' }, 400, undefined],
    [{ status: 503, code: 'SlowDown' }, 503, '2'],
    [{ status: 500, code: 'InternalError' }, 503, '5'],
    [{ status: 403, code: 'AccessDenied' }, 503, '30'],
    [{ status: 400, code: 'ExpiredToken' }, 503, '30'],
  ])('S3 %o → HTTP %i problem+json', async (answer, status, retryAfter) => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    server.answer(answer);
    const response = await app.inject({ method: 'GET', url: '/object/report.pdf' });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.headers['retry-after']).toBe(retryAfter);
    expect(response.json()).toMatchObject({ status, instance: '/object/report.pdf' });
    if (answer.code === 'AccessDenied' || answer.code === 'ExpiredToken') {
      expect(response.body).not.toContain(answer.code);
      expect(log.mock.calls.map(([message]) => String(message)).join('\n')).toMatch(/requestId=req-[0-9a-f-]{36}/);
    }
    log.mockRestore();
  });
});

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../errors/domain-errors';
import { AwsClientFactory } from './aws.client-factory';
import { CircuitOpenError, mapAwsError } from './aws.errors';
import { startFaultServer, TEST_CREDENTIALS, type FaultServer } from './aws.testing';

const START = Date.parse('2026-03-01T08:00:00Z');
const HALF_OPEN_AFTER_MS = 10_000;

describe('per-service circuit breaker', () => {
  let server: FaultServer;
  let factory: AwsClientFactory;
  let client: S3Client;
  let transitions: string[];

  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(async () => server.close());

  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ['Date'], now: START });
    factory = AwsClientFactory.standalone({
      region: 'eu-west-1',
      credentials: { static: TEST_CREDENTIALS },
      endpoints: { s3: server.endpoint },
      maxAttempts: 1,
      circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    });
    client = factory.create(S3Client, { service: 's3' });
    transitions = [];
    factory.breakers.breaker('s3').onStateChange(() => transitions.push(factory.breakers.states().s3 ?? '?'));
  });
  afterEach(() => {
    client.destroy();
    vi.useRealTimers();
    server.answer({ status: 200 });
  });

  const getObject = () => client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'report.pdf' }));

  it('opens after consecutive outages, fails fast without the network, half-opens, then closes', async () => {
    server.answer({ status: 500, code: 'InternalError' });
    const before = server.requests();
    for (let i = 0; i < 3; i++) await expect(getObject()).rejects.toMatchObject({ name: 'InternalError' });
    expect(server.requests()).toBe(before + 3);
    expect(factory.breakers.states().s3).toBe('open');

    // Open: fails at once, nothing reaches the endpoint, the caller gets 503 with the time left as Retry-After.
    vi.setSystemTime(START + 4_000);
    const fast = await getObject().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(server.requests()).toBe(before + 3);
    const mapped = mapAwsError(fast, { dependency: 'storage' });
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.headers()).toEqual({ 'retry-after': '6' });

    // After the break the service is back: one trial call goes through and closes the circuit.
    server.answer({ status: 200, body: 'pdf' });
    vi.setSystemTime(START + HALF_OPEN_AFTER_MS + 1);
    await expect(getObject()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(server.requests()).toBe(before + 4);
    expect(factory.breakers.states().s3).toBe('closed');
    await getObject();
    expect(server.requests()).toBe(before + 5);
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens when the half-open trial fails', async () => {
    server.answer({ status: 503, code: 'ServiceUnavailable' });
    const before = server.requests();
    for (let i = 0; i < 3; i++) await expect(getObject()).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    vi.setSystemTime(START + HALF_OPEN_AFTER_MS + 1);
    await expect(getObject()).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(server.requests()).toBe(before + 4);
    expect(factory.breakers.states().s3).toBe('open');
    await expect(getObject()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(server.requests()).toBe(before + 4);
    expect(transitions).toEqual(['open', 'half-open', 'open']);
  });

  it('is not opened by answers that are not outages (missing object, access denied, throttling)', async () => {
    for (const answer of [
      { status: 404, code: 'NoSuchKey' },
      { status: 403, code: 'AccessDenied' },
      { status: 400, code: 'ThrottlingException' },
    ]) {
      server.answer(answer);
      for (let i = 0; i < 4; i++) await expect(getObject()).rejects.toMatchObject({ name: answer.code });
    }
    expect(factory.breakers.states().s3).toBe('closed');
  });
});

import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsHealthIndicator } from './aws.health';
import { AwsModule } from './aws.module';
import type { AwsModuleOptions } from './aws.module-definition';
import { startLoopbackSts, TEST_CREDENTIALS, type LoopbackSts } from './aws.testing';

describe('AwsHealthIndicator', () => {
  let sts: LoopbackSts;
  let context: INestApplicationContext | undefined;

  beforeAll(async () => {
    sts = await startLoopbackSts();
  });
  afterAll(async () => sts.close());
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    sts.failWith(undefined);
  });

  async function indicator(options: AwsModuleOptions): Promise<AwsHealthIndicator> {
    context = await NestFactory.createApplicationContext(
      AwsModule.forRoot({ region: 'eu-west-1', endpoints: { sts: sts.endpoint }, maxAttempts: 1, ...options }),
      { logger: false },
    );
    return context.get(AwsHealthIndicator);
  }

  it('is up when the credentials resolve, without calling STS outside the aws profile', async () => {
    const health = await indicator({ credentials: { static: TEST_CREDENTIALS } });
    const before = sts.callerIdentityCalls();
    await expect(health.check()).resolves.toEqual({
      aws: { status: 'up', credentials: 'resolved', identity: 'not probed', circuits: {} },
    });
    expect(sts.callerIdentityCalls()).toBe(before);
  });

  it('probes STS GetCallerIdentity, trusting a success for the cache period', async () => {
    const health = await indicator({ credentials: { static: TEST_CREDENTIALS }, identityProbe: true });
    const before = sts.callerIdentityCalls();
    const result = await health.check();
    expect(result.aws).toMatchObject({ status: 'up', identity: 'confirmed', circuits: { sts: 'closed' } });
    await health.check();
    expect(sts.callerIdentityCalls()).toBe(before + 1);
  });

  it('is down when STS refuses the identity, so readiness fails', async () => {
    const health = await indicator({
      credentials: { static: TEST_CREDENTIALS },
      identityProbe: true,
      identityProbeCacheMs: 0,
    });
    await expect(health.check()).resolves.toMatchObject({ aws: { status: 'up' } });
    sts.failWith({ status: 403, code: 'InvalidClientTokenId' });
    await expect(health.check()).resolves.toMatchObject({
      aws: { status: 'down', message: 'AWS credentials or STS unusable' },
    });
  });

  it('is down when the assumed role cannot be obtained', async () => {
    sts.failWith({ status: 403, code: 'AccessDenied' });
    const health = await indicator({
      credentials: { static: TEST_CREDENTIALS, assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/x' } },
    });
    await expect(health.check()).resolves.toMatchObject({ aws: { status: 'down' } });
  });
});

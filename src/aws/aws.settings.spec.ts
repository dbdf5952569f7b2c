import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsModule } from './aws.module';
import { AwsConfigurationError, awsSettings, resolveAwsRegion } from './aws.settings';

describe('AWS region resolution', () => {
  let dir: string;
  let configFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'navius-aws-region-'));
    configFile = join(dir, 'config');
    await writeFile(
      configFile,
      '[default]\nregion = ap-south-1\n[profile docs]\nregion = eu-central-1\n[profile bare]\noutput = json\n',
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  it('takes the explicit region first, then AWS_REGION, then the profile', async () => {
    vi.stubEnv('AWS_REGION', 'us-west-2');
    expect(await resolveAwsRegion('eu-west-1', 'docs', { configFilepath: configFile })).toBe('eu-west-1');
    expect(await resolveAwsRegion(undefined, 'docs', { configFilepath: configFile })).toBe('us-west-2');
    vi.stubEnv('AWS_REGION', '');
    expect(await resolveAwsRegion(undefined, 'docs', { configFilepath: configFile })).toBe('eu-central-1');
    expect(await resolveAwsRegion(undefined, undefined, { configFilepath: configFile })).toBe('ap-south-1');
  });

  it('has no hidden default: nothing found is one clear error naming what to set', async () => {
    vi.stubEnv('AWS_REGION', '');
    const missing = resolveAwsRegion(undefined, 'bare', { configFilepath: configFile });
    await expect(missing).rejects.toBeInstanceOf(AwsConfigurationError);
    await expect(missing).rejects.toThrow(
      'No AWS region: set AWS_REGION, or a region in profile "bare" of the AWS config file',
    );
  });

  it('stops AwsModule start-up with that message', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'does-not-exist'));
    vi.stubEnv('AWS_PROFILE', '');
    await expect(
      NestFactory.createApplicationContext(AwsModule.forRoot({ credentials: { profile: 'ghost' } }), {
        logger: false,
        abortOnError: false,
      }),
    ).rejects.toThrow(/No AWS region: set AWS_REGION/);
  });

  it('applies documented defaults', () => {
    const settings = awsSettings({ region: 'eu-west-1', endpoints: { s3: 'http://127.0.0.1:9000' } });
    expect(settings).toMatchObject({
      retryMode: 'standard',
      maxAttempts: 3,
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 5_000,
      s3ForcePathStyle: true,
      circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 10_000 },
      identityProbe: false,
    });
    expect(settings.prices.s3?.PutObject).toBe(5);
    expect(settings.prices.s3?.GetObject ?? settings.prices.s3?.['*']).toBe(0.4);
    expect(awsSettings({ region: 'eu-west-1' }).s3ForcePathStyle).toBe(false);
  });
});

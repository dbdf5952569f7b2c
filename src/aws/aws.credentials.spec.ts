import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../errors/domain-errors';
import { AwsClientFactory } from './aws.client-factory';
import { AwsCredentialsService } from './aws.credentials';
import { mapAwsError } from './aws.errors';
import {
  startFaultServer,
  startLoopbackSts,
  TEST_CREDENTIALS,
  type FaultServer,
  type LoopbackSts,
} from './aws.testing';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/navius-documents';
const START = Date.parse('2026-03-01T08:00:00Z');

describe('AwsCredentialsService', () => {
  let sts: LoopbackSts;
  let s3: FaultServer;

  beforeAll(async () => {
    [sts, s3] = await Promise.all([startLoopbackSts(), startFaultServer()]);
  });
  afterAll(async () => {
    await Promise.all([sts.close(), s3.close()]);
  });
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    vi.unstubAllEnvs();
    sts.assumeRoleCalls.length = 0;
    sts.failWith(undefined);
  });

  function assumeRoleFactory(refreshBeforeExpirySeconds = 120): AwsClientFactory {
    return AwsClientFactory.standalone({
      region: 'eu-west-1',
      endpoints: { sts: sts.endpoint },
      credentials: {
        static: TEST_CREDENTIALS,
        assumeRole: { roleArn: ROLE_ARN, sessionName: 'navius-spec', externalId: 'partner-42', durationSeconds: 900 },
        refreshBeforeExpirySeconds,
      },
    });
  }

  it('assumes the role once for every client and refreshes it before it expires (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: START });
    const factory = assumeRoleFactory(120);
    const first = factory.create(S3Client, { service: 's3', endpoint: s3.endpoint, forcePathStyle: true });
    const second = factory.create(S3Client, { service: 's3', endpoint: s3.endpoint, forcePathStyle: true });

    await Promise.all([
      first.send(new HeadBucketCommand({ Bucket: 'docs' })),
      second.send(new HeadBucketCommand({ Bucket: 'docs' })),
      factory.credentials.identity(),
    ]);
    expect(sts.assumeRoleCalls).toEqual([
      {
        roleArn: ROLE_ARN,
        roleSessionName: 'navius-spec',
        externalId: 'partner-42',
        durationSeconds: 900,
        at: START,
      },
    ]);
    // The S3 calls were signed with the assumed session, not the base keys.
    expect(s3.lastRequest()?.headers.authorization).toContain('Credential=ASIATESTSESSION1/');
    expect(s3.lastRequest()?.headers['x-amz-security-token']).toBe('session-token-1');
    expect(await factory.credentials.expiration()).toEqual(new Date(START + 900_000));

    vi.setSystemTime(START + (900 - 121) * 1000);
    await first.send(new HeadBucketCommand({ Bucket: 'docs' }));
    expect(sts.assumeRoleCalls).toHaveLength(1);

    const refreshAt = START + (900 - 119) * 1000;
    vi.setSystemTime(refreshAt);
    await second.send(new HeadBucketCommand({ Bucket: 'docs' }));
    await first.send(new HeadBucketCommand({ Bucket: 'docs' }));
    expect(sts.assumeRoleCalls).toHaveLength(2);
    expect(sts.assumeRoleCalls[1]?.at).toBe(refreshAt);
    expect(s3.lastRequest()?.headers['x-amz-security-token']).toBe('session-token-2');
    expect(await factory.credentials.expiration()).toEqual(new Date(refreshAt + 900_000));
    first.destroy();
    second.destroy();
  });

  it('surfaces a refused AssumeRole as the service misconfigured (503), never the caller’s 403', async () => {
    sts.failWith({ status: 403, code: 'AccessDenied' });
    const factory = assumeRoleFactory();
    const failure = await factory.credentials.identity().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'AccessDenied' });
    const mapped = mapAwsError(failure, { dependency: 'aws' });
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.status).toBe(503);
  });

  it('reads a named profile from the shared credentials file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'navius-aws-profile-'));
    try {
      const file = join(dir, 'credentials');
      await writeFile(
        file,
        '[navius-dev]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret\n',
      );
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', file);
      vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
      const factory = AwsClientFactory.standalone({ region: 'eu-west-1', credentials: { profile: 'navius-dev' } });
      expect(factory.credentials.source).toBe('profile navius-dev');
      expect((await factory.credentials.identity()).accessKeyId).toBe('AKIDPROFILEKEY');
      expect(await factory.credentials.expiration()).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the SDK default chain (here: the environment)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENVIRONMENT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const factory = AwsClientFactory.standalone({ region: 'eu-west-1' });
    expect(factory.credentials.source).toBe('default chain');
    expect((await factory.credentials.identity()).accessKeyId).toBe('AKIDFROMENVIRONMENT');
  });

  it('exposes the expiry of static credentials that have one', async () => {
    const expiration = new Date(Date.now() + 60_000);
    const credentials = AwsCredentialsService.fromStatic({ ...TEST_CREDENTIALS, expiration });
    expect(await credentials.expiration()).toEqual(expiration);
  });
});

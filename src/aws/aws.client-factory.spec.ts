import { GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../errors/domain-errors';
import { AwsClientFactory } from './aws.client-factory';
import { mapAwsError } from './aws.errors';
import {
  startFaultServer,
  startLoopbackSts,
  startSilentServer,
  TEST_CREDENTIALS,
  type FaultServer,
  type LoopbackSts,
} from './aws.testing';

const credentials = { static: TEST_CREDENTIALS };

describe('AwsClientFactory', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  describe('timeouts', () => {
    it(
      'ends a call to a server that never answers with a TimeoutError, retried, then mapped to 503',
      { timeout: 60_000 },
      async () => {
        const silent = await startSilentServer();
        const factory = AwsClientFactory.standalone({
          region: 'eu-west-1',
          credentials,
          endpoints: { s3: silent.endpoint },
          maxAttempts: 2,
          requestTimeoutMs: 300,
          connectionTimeoutMs: 300,
        });
        const client = factory.create(S3Client, { service: 's3' });
        try {
          const failure = await client.send(new HeadBucketCommand({ Bucket: 'docs' })).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(failure).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
          expect(silent.connections()).toBe(2);
          const mapped = mapAwsError(failure, { dependency: 'storage' });
          expect(mapped).toBeInstanceOf(UnavailableError);
          expect(mapped.headers()).toEqual({ 'retry-after': '5' });
        } finally {
          client.destroy();
          await silent.close();
        }
      },
    );
  });

  describe('client settings', () => {
    let sts: LoopbackSts;
    let s3: FaultServer;

    beforeAll(async () => {
      [sts, s3] = await Promise.all([startLoopbackSts('210987654321'), startFaultServer()]);
    });
    afterAll(async () => Promise.all([sts.close(), s3.close()]));

    it('sends each service to its own endpoint override, S3 path-style', async () => {
      const factory = AwsClientFactory.standalone({
        region: 'eu-west-1',
        credentials,
        endpoints: { s3: s3.endpoint, sts: sts.endpoint },
      });
      const stsClient = factory.create(STSClient, { service: 'sts' });
      const s3Client = factory.create(S3Client, { service: 's3' });
      const identity = await stsClient.send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe('210987654321');
      await s3Client.send(new HeadBucketCommand({ Bucket: 'docs' }));
      expect(s3.lastRequest()?.url).toBe('/docs/');
      expect(s3.lastRequest()?.headers.authorization).toContain(`Credential=${TEST_CREDENTIALS.accessKeyId}/`);
      stsClient.destroy();
      s3Client.destroy();
    });

    it('applies the retry mode and attempts to every client', async () => {
      const factory = AwsClientFactory.standalone({
        region: 'eu-west-1',
        credentials,
        retryMode: 'adaptive',
        maxAttempts: 7,
      });
      const client = factory.create(STSClient, { service: 'sts' });
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.maxAttempts()).toBe(7);
      client.destroy();
    });

    it('uses FIPS and dual-stack endpoints when asked, unless the endpoint is overridden', async () => {
      const presignHost = async (factory: AwsClientFactory) => {
        const client = factory.create(S3Client, { service: 's3' });
        const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'docs', Key: 'k' }), { expiresIn: 60 });
        client.destroy();
        return new URL(url).host;
      };
      const base = { region: 'us-east-1', credentials };
      expect(await presignHost(AwsClientFactory.standalone(base))).toBe('docs.s3.us-east-1.amazonaws.com');
      expect(await presignHost(AwsClientFactory.standalone({ ...base, useFipsEndpoint: true }))).toBe(
        'docs.s3-fips.us-east-1.amazonaws.com',
      );
      expect(await presignHost(AwsClientFactory.standalone({ ...base, useDualstackEndpoint: true }))).toBe(
        'docs.s3.dualstack.us-east-1.amazonaws.com',
      );
      const overridden = AwsClientFactory.standalone({
        ...base,
        useFipsEndpoint: true,
        endpoints: { s3: s3.endpoint },
      });
      expect(await presignHost(overridden)).toBe(new URL(s3.endpoint).host);
    });

    it('builds a failover client for the configured region/endpoint, with its own breaker', async () => {
      const failover = await startFaultServer();
      try {
        const factory = AwsClientFactory.standalone({
          region: 'eu-west-1',
          credentials,
          endpoints: { s3: s3.endpoint },
          maxAttempts: 1,
          circuitBreaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
          failover: { s3: { region: 'eu-central-1', endpoint: failover.endpoint } },
        });
        expect(factory.hasFailover('s3')).toBe(true);
        expect(factory.hasFailover('kms')).toBe(false);
        const primary = factory.create(S3Client, { service: 's3' });
        const replica = factory.createFailover(S3Client, { service: 's3' });
        expect(replica).toBeDefined();
        expect(await replica!.config.region()).toBe('eu-central-1');

        s3.answer({ status: 500, code: 'InternalError' });
        await expect(primary.send(new GetObjectCommand({ Bucket: 'docs', Key: 'k' }))).rejects.toMatchObject({
          name: 'InternalError',
        });
        expect(factory.breakers.states()).toMatchObject({ s3: 'open' });
        await replica!.send(new HeadBucketCommand({ Bucket: 'docs-replica' }));
        expect(failover.lastRequest()?.url).toBe('/docs-replica/');
        expect(failover.lastRequest()?.headers.authorization).toContain('/eu-central-1/s3/');
        expect(factory.breakers.states()).toMatchObject({ s3: 'open', 's3:failover': 'closed' });
        primary.destroy();
        replica!.destroy();
      } finally {
        s3.answer({ status: 200 });
        await failover.close();
      }
    });
  });
});

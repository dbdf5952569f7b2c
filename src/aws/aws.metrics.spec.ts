import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Logger } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalS3 } from '../local/local-s3';
import { METRICS, type MetricName } from '../observability/metrics.catalog';
import { AwsClientFactory } from './aws.client-factory';
import { startFaultServer, type FaultServer } from './aws.testing';
import { runWithAwsTenant } from './aws.usage';

const BUCKET = 'navius-metrics';
const TENANT = '0d7c6a2e-1f0b-4a8e-9d3c-5b4a3f2e1d0c';

type Point = DataPoint<number | Histogram>;

describe('per-call AWS metrics (OTel in-memory reader)', () => {
  let reader: PeriodicExportingMetricReader;
  let dataDir: string;
  let s3: LocalS3;
  let faults: FaultServer;
  let factory: AwsClientFactory;
  const warnings: string[] = [];

  beforeAll(async () => {
    reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    dataDir = await mkdtemp(join(tmpdir(), 'navius-aws-metrics-'));
    [s3, faults] = await Promise.all([LocalS3.start({ dataDir, bucket: BUCKET }), startFaultServer()]);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    factory = AwsClientFactory.standalone({
      region: 'us-east-1',
      credentials: { static: { ...s3.credentials } },
      endpoints: { s3: s3.endpoint },
      prices: { s3: { HeadObject: 1 } },
    });

    const client = factory.create(S3Client, { service: 's3' });
    const flaky = factory.create(S3Client, { service: 's3', endpoint: faults.endpoint, forcePathStyle: true });
    await runWithAwsTenant(TENANT, async () => {
      await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'hello' }));
      await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' }))).rejects.toThrow();
      await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }), { expiresIn: 60 });
    });
    // Two throttled attempts, then success: one call, two retries.
    let attempt = 0;
    faults.answer(() => (++attempt <= 2 ? { status: 503, code: 'SlowDown' } : { status: 200, body: 'x' }));
    await flaky.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
    faults.answer({ status: 403, code: 'AccessDenied' });
    await expect(flaky.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'b.txt' }))).rejects.toThrow();
    client.destroy();
    flaky.destroy();
  });

  afterAll(async () => {
    metrics.disable();
    await s3?.stop();
    await faults?.close();
    await rm(dataDir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  async function points(name: MetricName): Promise<Point[]> {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as Point[];
  }

  async function value(name: MetricName, attributes: Record<string, string>): Promise<number | undefined> {
    const point = (await points(name)).find((p) => JSON.stringify(p.attributes) === JSON.stringify(attributes));
    if (point === undefined) return undefined;
    return typeof point.value === 'number' ? point.value : point.value.count;
  }

  it('counts each call by service, operation and outcome', async () => {
    expect(await value('aws.calls', { service: 's3', operation: 'HeadBucket', outcome: 'success' })).toBe(1);
    expect(await value('aws.calls', { service: 's3', operation: 'PutObject', outcome: 'success' })).toBe(1);
    expect(await value('aws.calls', { service: 's3', operation: 'HeadObject', outcome: 'not_found' })).toBe(1);
    expect(await value('aws.calls', { service: 's3', operation: 'GetObject', outcome: 'success' })).toBe(1);
    expect(await value('aws.calls', { service: 's3', operation: 'GetObject', outcome: 'misconfigured' })).toBe(1);
  });

  it('records latency per service and operation, retries from $metadata.attempts, and errors by code', async () => {
    expect(await value('aws.call.duration', { service: 's3', operation: 'HeadBucket' })).toBe(1);
    expect(await value('aws.call.duration', { service: 's3', operation: 'GetObject' })).toBe(2);
    expect(await value('aws.call.retries', { service: 's3', operation: 'GetObject' })).toBe(2);
    expect(await value('aws.call.retries', { service: 's3', operation: 'HeadBucket' })).toBeUndefined();
    expect(await value('aws.errors', { service: 's3', code: 'NotFound' })).toBe(1);
    expect(await value('aws.errors', { service: 's3', code: 'AccessDenied' })).toBe(1);
  });

  it('adds the estimated cost from the price table (presigning is free and not a call)', async () => {
    // HeadBucket 0.4 + PutObject 5 + HeadObject 1 (overridden) + GetObject 0.4 + denied GetObject 0.4
    expect(await value('aws.estimated_cost', { service: 's3' })).toBeCloseTo(7.2, 6);
    const calls = await points('aws.calls');
    expect(calls.reduce((sum, p) => sum + (p.value as number), 0)).toBe(5);
  });

  it('uses only the catalogue dimensions, never the tenant', async () => {
    for (const name of [
      'aws.calls',
      'aws.call.duration',
      'aws.call.retries',
      'aws.estimated_cost',
      'aws.errors',
    ] as const) {
      const found = await points(name);
      expect(found.length, name).toBeGreaterThan(0);
      for (const point of found) {
        expect(Object.keys(point.attributes).sort(), name).toEqual([...METRICS[name].dimensions].sort());
        expect(Object.values(point.attributes)).not.toContain(TENANT);
      }
    }
  });

  it('sums usage by tenant outside the metrics, and logs every failure with its AWS request id', () => {
    const usage = factory.usage.snapshot();
    expect(usage[TENANT]).toEqual({ calls: { s3: 3 }, estimatedCostMicroUsd: 6.4 });
    expect(usage['(none)']).toMatchObject({ calls: { s3: 2 } });
    const denied = warnings.find((message) => message.includes('AccessDenied'));
    expect(denied).toMatch(
      /s3 GetObject failed: AccessDenied \(misconfigured, status=403, requestId=req-[0-9a-f-]{36}/,
    );
  });
});

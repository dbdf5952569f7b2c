import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { emfProblems, EmfMetricExporter, histogramValues, type EmfDocument } from './emf.exporter';

async function exportOnce(record: (provider: MeterProvider) => void): Promise<EmfDocument[]> {
  const lines: string[] = [];
  const exporter = new EmfMetricExporter('navius', (line) => lines.push(line));
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  record(provider);
  await reader.forceFlush();
  await provider.shutdown();
  return lines.map((line) => JSON.parse(line) as EmfDocument);
}

describe('EmfMetricExporter', () => {
  it('writes valid EMF documents with dimensions at the root and roll-up dimension sets', async () => {
    const documents = await exportOnce((provider) => {
      const counter = provider.getMeter('navius').createCounter('http.server.requests');
      counter.add(2, { route: '/v1/documents/:id', method: 'GET', status_class: '2xx' });
      counter.add(1, { route: '/v1/documents/:id', method: 'GET', status_class: '5xx' });
    });
    expect(documents).toHaveLength(2);
    for (const document of documents) expect(emfProblems(document)).toEqual([]);
    const ok = documents.find((d) => d.status_class === '2xx');
    expect(ok?.['http.server.requests']).toBe(2);
    expect(ok?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'route', 'method', 'status_class'],
      ['service'],
      ['service', 'status_class'],
    ]);
    expect(ok?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'http.server.requests', Unit: 'Count' }]);
  });

  it('splits more than 100 metrics sharing dimensions into several documents', async () => {
    const documents = await exportOnce((provider) => {
      const meter = provider.getMeter('navius');
      for (let i = 0; i < 150; i += 1) meter.createCounter(`custom.metric.${i}`).add(1, { shard: 'a' });
    });
    expect(documents.map((d) => d._aws.CloudWatchMetrics[0]?.Metrics.length)).toEqual([100, 50]);
    for (const document of documents) expect(emfProblems(document)).toEqual([]);
  });

  it('keeps a histogram to at most 100 values that follow its distribution', async () => {
    const documents = await exportOnce((provider) => {
      const histogram = provider
        .getMeter('navius')
        .createHistogram('http.server.duration', { advice: { explicitBucketBoundaries: [10, 100] } });
      for (let i = 0; i < 900; i += 1) histogram.record(5);
      for (let i = 0; i < 100; i += 1) histogram.record(50);
    });
    const values = documents[0]?.['http.server.duration'] as number[];
    expect(values.length).toBeLessThanOrEqual(100);
    expect(values.filter((v) => v < 10).length).toBe(90);
    expect(values.filter((v) => v >= 10).length).toBe(10);
    expect(histogramValues({ count: 0, sum: 0, buckets: { boundaries: [1], counts: [0, 0] } })).toBeUndefined();
  });

  it('skips counters that did not move in the interval', async () => {
    const documents = await exportOnce((provider) => {
      provider.getMeter('navius').createCounter('audit.dropped').add(0);
    });
    expect(documents).toEqual([]);
  });

  it('reports the export result', async () => {
    const exporter = new EmfMetricExporter('navius', () => {
      throw new Error('stdout closed');
    });
    const result = await new Promise<{ code: ExportResultCode }>((resolve) =>
      exporter.export(
        {
          resource: {} as never,
          scopeMetrics: [
            {
              scope: { name: 'navius' },
              metrics: [
                {
                  descriptor: {
                    name: 'audit.dropped',
                    unit: '',
                    description: '',
                    valueType: 0,
                  },
                  dataPointType: 3,
                  aggregationTemporality: 0,
                  isMonotonic: true,
                  dataPoints: [{ attributes: {}, startTime: [1, 0], endTime: [1_800_000_000, 0], value: 1 }],
                },
              ],
            },
          ],
        },
        resolve,
      ),
    );
    expect(result.code).toBe(ExportResultCode.FAILED);
  });
});

describe('emfProblems', () => {
  it('catches documents that break the specification', () => {
    const valid = {
      _aws: {
        Timestamp: 1_800_000_000_000,
        CloudWatchMetrics: [
          { Namespace: 'Navius', Dimensions: [['service']], Metrics: [{ Name: 'm', Unit: 'Count' }] },
        ],
      },
      service: 'navius',
      m: 1,
    };
    expect(emfProblems(valid)).toEqual([]);
    expect(emfProblems({ ...valid, _aws: { ...valid._aws, Timestamp: 1_800_000_000 } })).not.toEqual([]);
    expect(emfProblems({ ...valid, service: undefined })).not.toEqual([]);
    expect(emfProblems({ ...valid, m: Array(101).fill(1) })).not.toEqual([]);
    expect(emfProblems({ ...valid, m: 'one' })).not.toEqual([]);
    const tooManyKeys = Array.from({ length: 31 }, (_, i) => `d${i}`);
    expect(
      emfProblems({
        ...Object.fromEntries(tooManyKeys.map((k) => [k, 'x'])),
        m: 1,
        _aws: { ...valid._aws, CloudWatchMetrics: [{ ...valid._aws.CloudWatchMetrics[0], Dimensions: [tooManyKeys] }] },
      }),
    ).toContain('more than 30 dimension keys');
  });
});

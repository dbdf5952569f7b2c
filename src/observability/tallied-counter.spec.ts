import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { TalliedCounter } from './tallied-counter';

/** A provider whose reader exports on demand; `points()` collects and returns the counter's points. */
function meterWith(temporality: AggregationTemporality) {
  const exporter = new InMemoryMetricExporter(temporality);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('navius'),
    async points(): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>> {
      exporter.reset();
      await reader.forceFlush();
      const metric = exporter.getMetrics()[0]?.scopeMetrics[0]?.metrics[0];
      if (!metric) return [];
      expect(metric.descriptor.name).toBe('http.server.requests');
      expect(metric.dataPointType).toBe(DataPointType.SUM);
      return metric.dataPoints.map(({ attributes, value }) => ({ attributes, value }));
    },
  };
}

describe('TalliedCounter', () => {
  it('reports each attribute set’s adds as a sum, per interval to a delta reader', async () => {
    const { meter, points } = meterWith(AggregationTemporality.DELTA);
    const counter = new TalliedCounter(meter, 'http.server.requests', {}, ['route', 'status_class']);
    counter.add(1, { route: '/v1/documents/:id', status_class: '2xx' });
    counter.add(2, { status_class: '2xx', route: '/v1/documents/:id' });
    counter.add(1, { route: '/v1/documents/:id', status_class: '4xx' });
    counter.add(1, { route: '/v1/me', status_class: '2xx' });
    expect(await points()).toEqual(
      expect.arrayContaining([
        { attributes: { route: '/v1/documents/:id', status_class: '2xx' }, value: 3 },
        { attributes: { route: '/v1/documents/:id', status_class: '4xx' }, value: 1 },
        { attributes: { route: '/v1/me', status_class: '2xx' }, value: 1 },
      ]),
    );
    expect(await points()).toHaveLength(3);

    counter.add(4, { route: '/v1/me', status_class: '2xx' });
    const next = await points();
    expect(next).toContainEqual({ attributes: { route: '/v1/me', status_class: '2xx' }, value: 4 });
    expect(next).toContainEqual({ attributes: { route: '/v1/documents/:id', status_class: '2xx' }, value: 0 });
  });

  it('reports running totals to a cumulative reader, and keeps attribute sets apart whatever their values hold', async () => {
    const { meter, points } = meterWith(AggregationTemporality.CUMULATIVE);
    const counter = new TalliedCounter(meter, 'http.server.requests', {}, ['a', 'b']);
    // Values that would collide if the key were a plain concatenation.
    counter.add(1, { a: 'x', b: 'yz' });
    counter.add(1, { a: 'xy', b: 'z' });
    await points();
    counter.add(5, { a: 'x', b: 'yz' });
    expect(await points()).toEqual(
      expect.arrayContaining([
        { attributes: { a: 'x', b: 'yz' }, value: 6 },
        { attributes: { a: 'xy', b: 'z' }, value: 1 },
      ]),
    );
  });

  it('adds up counters of one name, as two instances of a module would make them', async () => {
    const { meter, points } = meterWith(AggregationTemporality.CUMULATIVE);
    const first = new TalliedCounter(meter, 'http.server.requests', {}, ['tier']);
    const second = new TalliedCounter(meter, 'http.server.requests', {}, ['tier']);
    first.add(2, { tier: 'local' });
    second.add(3, { tier: 'local' });
    second.add(1, { tier: 'redis' });
    expect(await points()).toEqual(
      expect.arrayContaining([
        { attributes: { tier: 'local' }, value: 5 },
        { attributes: { tier: 'redis' }, value: 1 },
      ]),
    );
  });
});

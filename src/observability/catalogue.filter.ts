import type { ExportResult } from '@opentelemetry/core';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { METRICS } from './metrics.catalog';

/**
 * Passes only the catalogue's metrics to the wrapped exporter. Instrumentation libraries record their own
 * metrics with attributes such as ports and database names; those would be unbounded CloudWatch dimensions.
 */
export class CatalogueFilterExporter implements PushMetricExporter {
  constructor(private readonly inner: PushMetricExporter) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const scopeMetrics = metrics.scopeMetrics
      .map((scope) => ({ ...scope, metrics: scope.metrics.filter((metric) => metric.descriptor.name in METRICS) }))
      .filter((scope) => scope.metrics.length > 0);
    this.inner.export({ ...metrics, scopeMetrics }, resultCallback);
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality!(instrumentType);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

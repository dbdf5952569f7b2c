import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type Histogram,
  type MetricData,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { METRICS, METRICS_NAMESPACE, type MetricSpec } from './metrics.catalog';
import { stdoutLines } from './stdout';

/** Limits of the CloudWatch Embedded Metric Format specification. */
export const EMF_LIMITS = { metricsPerDocument: 100, dimensionsPerSet: 30, valuesPerMetric: 100 } as const;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [member: string]: unknown;
}

interface Group {
  timestamp: number;
  dimensions: Record<string, string>;
  metrics: Array<{ name: string; unit: string; value: number | number[] }>;
}

/**
 * An OTel push exporter that writes CloudWatch Embedded Metric Format documents, one JSON line each, to stdout
 * (CloudWatch Logs turns them into metrics). Counters and histograms are exported as deltas per interval.
 * No maintained standalone OTel-to-EMF exporter exists for Node (ADOT's lives inside its distro, pinned to an
 * older OTel), so this is the thin serializer; the metric pipeline itself is the OTel SDK's.
 */
export class EmfMetricExporter implements PushMetricExporter {
  constructor(
    private readonly serviceName: string,
    private readonly write: (line: string) => void = (line) => stdoutLines().write(line),
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    try {
      for (const document of toEmfDocuments(metrics, this.serviceName)) this.write(`${JSON.stringify(document)}\n`);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return instrumentType === InstrumentType.COUNTER ||
      instrumentType === InstrumentType.OBSERVABLE_COUNTER ||
      instrumentType === InstrumentType.HISTOGRAM
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

/** Groups data points by dimension values and splits them into spec-sized documents. */
export function toEmfDocuments(metrics: ResourceMetrics, serviceName: string): EmfDocument[] {
  const groups = new Map<string, Group>();
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) addMetric(groups, metric, serviceName);
  }
  return [...groups.values()].flatMap(toDocuments);
}

function addMetric(groups: Map<string, Group>, metric: MetricData, serviceName: string): void {
  const spec: MetricSpec | undefined = (METRICS as Record<string, MetricSpec>)[metric.descriptor.name];
  const unit = spec?.unit ?? 'None';
  for (const point of metric.dataPoints) {
    const value = emfValue(metric.dataPointType, point.value);
    if (value === undefined) continue;
    const dimensions = { service: serviceName, ...stringAttributes(point.attributes) };
    const key = JSON.stringify(Object.entries(dimensions).sort());
    const timestamp = Math.round(hrTimeToMilliseconds(point.endTime));
    const group: Group = groups.get(key) ?? { timestamp, dimensions, metrics: [] };
    group.timestamp = Math.max(group.timestamp, timestamp);
    group.metrics.push({ name: metric.descriptor.name, unit, value });
    groups.set(key, group);
  }
}

function stringAttributes(attributes: Attributes): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
}

/** A number, a histogram's values (≤ 100), or undefined when there is nothing to publish this interval. */
function emfValue(type: DataPointType, value: unknown): number | number[] | undefined {
  if (type === DataPointType.HISTOGRAM) return histogramValues(value as Histogram);
  if (type === DataPointType.SUM || type === DataPointType.GAUGE) {
    const number = value as number;
    return type === DataPointType.SUM && number === 0 ? undefined : number;
  }
  return undefined;
}

/**
 * Each non-empty bucket's representative value, repeated in proportion to its count and scaled to at most
 * 100 values, so CloudWatch can compute percentiles from the distribution without one value per request.
 */
export function histogramValues(histogram: Histogram): number[] | undefined {
  const total = histogram.count;
  if (total === 0) return undefined;
  const { boundaries, counts } = histogram.buckets;
  const scale = Math.min(1, EMF_LIMITS.valuesPerMetric / total);
  const values: number[] = [];
  counts.forEach((count, index) => {
    if (count === 0) return;
    const lower = index === 0 ? (histogram.min ?? 0) : (boundaries[index - 1] as number);
    const upper = index === boundaries.length ? (histogram.max ?? lower) : (boundaries[index] as number);
    const representative = Math.round(((lower + Math.min(upper, histogram.max ?? upper)) / 2) * 1000) / 1000;
    const repeat = Math.max(1, Math.round(count * scale));
    for (let i = 0; i < repeat && values.length < EMF_LIMITS.valuesPerMetric; i += 1) values.push(representative);
  });
  return values;
}

function toDocuments(group: Group): EmfDocument[] {
  const dimensionKeys = Object.keys(group.dimensions).slice(0, EMF_LIMITS.dimensionsPerSet);
  // The full set, plus roll-ups the alarms use: per service, and per service and status class.
  const dimensionSets = [dimensionKeys];
  if (dimensionKeys.length > 1) dimensionSets.push(['service']);
  if (dimensionKeys.length > 2 && dimensionKeys.includes('status_class'))
    dimensionSets.push(['service', 'status_class']);
  const documents: EmfDocument[] = [];
  for (let start = 0; start < group.metrics.length; start += EMF_LIMITS.metricsPerDocument) {
    const slice = group.metrics.slice(start, start + EMF_LIMITS.metricsPerDocument);
    const document: EmfDocument = {
      _aws: {
        Timestamp: group.timestamp,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: dimensionSets,
            Metrics: slice.map(({ name, unit }) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      ...group.dimensions,
    };
    for (const metric of slice) document[metric.name] = metric.value;
    documents.push(document);
  }
  return documents;
}

/** Every rule of the EMF specification this exporter relies on; returns the problems found (none = valid). */
export function emfProblems(document: unknown): string[] {
  const problems: string[] = [];
  if (typeof document !== 'object' || document === null) return ['not an object'];
  const root = document as Record<string, unknown>;
  const aws = root._aws as EmfDocument['_aws'] | undefined;
  if (!aws || typeof aws !== 'object') return ['_aws missing'];
  if (!Number.isInteger(aws.Timestamp) || aws.Timestamp < 1e12) problems.push('_aws.Timestamp must be epoch ms');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) {
    return [...problems, 'CloudWatchMetrics missing'];
  }
  for (const directive of aws.CloudWatchMetrics) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length === 0) problems.push('Namespace');
    if (directive.Metrics.length > EMF_LIMITS.metricsPerDocument) problems.push('more than 100 metrics');
    for (const set of directive.Dimensions) {
      if (set.length > EMF_LIMITS.dimensionsPerSet) problems.push('more than 30 dimension keys');
      for (const key of set) if (typeof root[key] !== 'string') problems.push(`dimension ${key} not a string member`);
    }
    for (const { Name } of directive.Metrics) {
      const value = root[Name];
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || values.length > EMF_LIMITS.valuesPerMetric) problems.push(`${Name}: 1..100 values`);
      if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) problems.push(`${Name}: not numbers`);
    }
  }
  return problems;
}

import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { awsEcsDetector } from '@opentelemetry/resource-detector-aws';
import { AggregationType, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { AppConfig } from '../config/app-config';
import { CatalogueFilterExporter } from './catalogue.filter';
import { EmfMetricExporter } from './emf.exporter';
import { registerRuntimeMetrics } from './runtime.metrics';
import { XRayContinuingIdGenerator, XRayRootContinuingPropagator } from './xray-propagation';

export type TelemetryConfig = AppConfig['telemetry'];

let running: NodeSDK | undefined;

const INSTRUMENTATION_METERS = [
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-nestjs-core',
  '@opentelemetry/instrumentation-pg',
  '@opentelemetry/instrumentation-ioredis',
  '@opentelemetry/instrumentation-aws-sdk',
];

/**
 * Starts the OpenTelemetry SDK: X-Ray ids and propagation (plus W3C trace context and baggage), instrumentations
 * for http, Nest, pg, ioredis and the AWS SDK, a batch span processor, and the metrics reader of METRICS_EXPORTER.
 * Must run before the instrumented libraries are first required (see telemetry.preload.ts).
 */
export function startTelemetry(config: TelemetryConfig): void {
  if (config.disabled || running) return;
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    resourceDetectors: [awsEcsDetector],
    idGenerator: new XRayContinuingIdGenerator(),
    textMapPropagator: new CompositePropagator({
      propagators: [new XRayRootContinuingPropagator(), new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    sampler: samplerOf(config),
    spanProcessors: spanProcessorsOf(config),
    metricReaders: metricReadersOf(config),
    // The instrumentations' own metrics are not recorded at all: the catalogue's are the service's metrics.
    views: INSTRUMENTATION_METERS.map((meterName) => ({
      meterName,
      instrumentName: '*',
      aggregation: { type: AggregationType.DROP },
    })),
    instrumentations: [
      new HttpInstrumentation({
        // Probes would drown real traffic in traces.
        ignoreIncomingRequestHook: (request) => request.url?.startsWith('/health/') ?? false,
      }),
      new NestInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
    ],
  });
  sdk.start();
  registerRuntimeMetrics();
  running = sdk;
}

/** Flushes spans and metrics; called on graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown();
}

function samplerOf(config: TelemetryConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

function otlpUrl(config: TelemetryConfig, signal: 'traces' | 'metrics'): string {
  return `${(config.otlpEndpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/${signal}`;
}

function spanProcessorsOf(config: TelemetryConfig): SpanProcessor[] {
  if (config.tracesExporter === 'none') return [];
  const url = otlpUrl(config, 'traces');
  const exporter =
    config.otlpProtocol === 'http/json' ? new OTLPJsonTraceExporter({ url }) : new OTLPProtoTraceExporter({ url });
  return [new BatchSpanProcessor({ exporter })];
}

function metricReadersOf(config: TelemetryConfig): IMetricReader[] {
  const interval = {
    exportIntervalMillis: config.metricsIntervalMs,
    exportTimeoutMillis: config.metricsIntervalMs / 2,
  };
  switch (config.metricsExporter) {
    case 'emf':
      return [
        new PeriodicExportingMetricReader({
          exporter: new CatalogueFilterExporter(new EmfMetricExporter(config.serviceName)),
          ...interval,
        }),
      ];
    case 'otlp':
      return [
        new PeriodicExportingMetricReader({
          exporter: new CatalogueFilterExporter(new OTLPMetricExporter({ url: otlpUrl(config, 'metrics') })),
          ...interval,
        }),
      ];
    case 'none':
      return [];
  }
}
